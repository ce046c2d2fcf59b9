"""The customer list: scopes, simple search, sorting and pages."""
from dataclasses import dataclass
from functools import reduce
from operator import or_

from peewee import SQL, NodeList

from .errors import InvalidQuery
from .models import Customer, CustomerSearch
from .paging import paginate
from .text import clean, fold, like_escape

SCOPE_KINDS = ("direct", "all", "reseller", "distributor")
# Where the simple search looks, exactly as the spec lists it.
SIMPLE_SEARCH_FIELDS = ("name", "company_name", "first_name", "last_name", "state", "city",
                        "country", "zip", "phone", "email", "login")
# Text columns sort on their folded copy so "adam" and "Zoe" sort as people expect.
SORTS = {
    "name": CustomerSearch.name,
    "currency": Customer.currency,
    "balance_control": Customer.balance_control,
    "available_funds": Customer.available_funds,
    "balance": Customer.balance,
    "credit_limit": Customer.credit_limit,
    "email": CustomerSearch.email,
    "status": Customer.status,
}
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class Scope:
    """Which customers a list covers; ``owner`` is the reseller or distributor."""
    kind: str = "direct"
    owner: Customer | None = None

    @property
    def param(self):
        """The scope as it appears in URLs: ``direct``, ``reseller:<name>``, ..."""
        return f"{self.kind}:{self.owner.name}" if self.owner else self.kind

    def condition(self):
        if self.kind == "direct":
            return Customer.reseller.is_null()
        if self.kind == "reseller":
            return Customer.reseller == self.owner.id
        if self.kind == "distributor":
            return Customer.distributor == self.owner.id
        return None


def find_owner(kind, name):
    """The reseller or distributor called ``name`` (exact, else the only case-insensitive match)."""
    candidates = Customer.select().where(Customer.customer_type == kind)
    exact = candidates.where(Customer.name == clean(name)).first()
    if exact:
        return exact
    folded = list(candidates.join(CustomerSearch).where(CustomerSearch.name == fold(name)).limit(2))
    return folded[0] if len(folded) == 1 else None


def parse_scope(text):
    """``direct`` | ``all`` | ``reseller:<name>`` | ``distributor:<name>`` -> Scope.

    Raises ``InvalidQuery`` naming the ``scope`` parameter.
    """
    text = (text or "direct").strip()
    kind, sep, name = text.partition(":")
    if kind not in SCOPE_KINDS or bool(sep) != (kind in ("reseller", "distributor")):
        raise InvalidQuery("scope", "must be direct, all, reseller:<name> or distributor:<name>")
    if not sep:
        return Scope(kind)
    if not name.strip():
        raise InvalidQuery("scope", f"choose a {kind}")
    owner = find_owner(kind, name)
    if owner is None:
        raise InvalidQuery("scope", f"there is no {kind} named “{name.strip()}”")
    return Scope(kind, owner)


def owner_choices(kind, text="", limit=20):
    """Names of resellers or distributors containing ``text``, for the scope picker."""
    if kind not in ("reseller", "distributor"):
        return []
    query = (Customer.select(Customer.name)
             .join(CustomerSearch)
             .where(Customer.customer_type == kind)
             .order_by(CustomerSearch.name)
             .limit(limit))
    if fold(text):
        query = query.where(like(CustomerSearch.name, "%" + like_escape(fold(text)) + "%"))
    return [name for (name,) in query.tuples()]


def like(column, pattern):
    """``column LIKE pattern ESCAPE '\\'`` (Peewee's own LIKE means GLOB on SQLite)."""
    return NodeList((column, SQL("LIKE"), pattern, SQL("ESCAPE '\\'")))


def simple_search(q):
    """Condition: ``q`` appears anywhere in one of the simple-search fields, any case."""
    pattern = "%" + like_escape(fold(q)) + "%"
    return reduce(or_, [like(getattr(CustomerSearch, name), pattern) for name in SIMPLE_SEARCH_FIELDS])


def parse_query_text(q):
    """The simple-search text, cleaned; raises ``InvalidQuery`` if it is too long."""
    q = clean(q)
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidQuery("q", f"is longer than {MAX_QUERY_LENGTH} characters")
    return q


def parse_sort(text):
    """``name`` or ``-name`` (descending) -> (key, descending)."""
    text = (text or "name").strip()
    key = text.removeprefix("-")
    if key not in SORTS:
        raise InvalidQuery("sort", f"cannot sort by “{key}”; use one of {', '.join(SORTS)}")
    return key, text.startswith("-")


def parse_positive(param, text, default):
    if text is None or text == "":
        return default
    if not text.isdigit() or int(text) < 1:
        raise InvalidQuery(param, "must be a whole number from 1 up")
    return int(text)


def parse_page_size(text):
    size = parse_positive("per_page", text, DEFAULT_PAGE_SIZE)
    if size not in PAGE_SIZES:
        raise InvalidQuery("per_page", f"must be one of {', '.join(map(str, PAGE_SIZES))}")
    return size


def _filtered(query, scope, q):
    conditions = [c for c in (scope.condition(), simple_search(q) if q else None) if c is not None]
    return query.where(*conditions) if conditions else query


def matching(scope, q=""):
    """Select the customers in ``scope`` matching the simple search ``q``."""
    return _filtered(Customer.select(Customer).join(CustomerSearch), scope, q)


def count(scope, q=""):
    """Number of customers in ``scope`` matching ``q``."""
    query = Customer.select().join(CustomerSearch) if q else Customer.select()
    return _filtered(query, scope, q).count()


def _order(key, descending):
    column = SORTS[key]
    if descending:
        # "No credit limit" counts as the largest limit, on both backends.
        return [column.desc(nulls="first"), Customer.id.desc()]
    return [column.asc(nulls="last"), Customer.id]


def list_customers(scope, q="", sort=("name", False), page=1, per_page=DEFAULT_PAGE_SIZE):
    """One page of customers, sorted, with the total count of matches.

    A page past the end is clamped to the last page.
    """
    query = matching(scope, q).order_by(*_order(*sort))
    return paginate(query, page, per_page, total=count(scope, q))
