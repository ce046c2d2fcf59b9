"""The customer list's parameters: scopes, sort keys, page sizes, and parsing them."""
from dataclasses import dataclass

from .errors import InvalidQuery
from .models import Customer, CustomerSearch, sort_key
from .search import CUSTOMER_SORTS, TEXT_SORTS
from .search_sql import like
from .text import clean, fold, like_escape

SCOPE_KINDS = ("direct", "all", "reseller", "distributor")
SORTS = tuple(TEXT_SORTS) + tuple(CUSTOMER_SORTS)
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


def find_owner(kind, name, viewer=None):
    """The reseller or distributor called ``name`` (exact, else the only case-insensitive match).

    Staff only ever find their own reseller or distributor: any other name is
    "not found", so its existence is not revealed.
    """
    candidates = Customer.select().where(Customer.customer_type == kind)
    if viewer is not None and viewer.owner_kind:
        candidates = candidates.where(Customer.id == (viewer.owner_id if viewer.owner_kind == kind else 0))
    exact = candidates.where(Customer.name == clean(name)).first()
    if exact:
        return exact
    key = fold(name)
    folded = list(candidates.join(CustomerSearch)
                  .where((CustomerSearch.sort_name == sort_key(key)) & (CustomerSearch.name == key)).limit(2))
    return folded[0] if len(folded) == 1 else None


def default_scope(viewer=None):
    """Direct customers for the operator's people; staff see their own customers."""
    if viewer is not None and viewer.owner_kind:
        return f"{viewer.owner_kind}:{viewer.owner_name}"
    return "direct"


def parse_scope(text, viewer=None):
    """``direct`` | ``all`` | ``reseller:<name>`` | ``distributor:<name>`` -> Scope.

    Raises ``InvalidQuery`` naming the ``scope`` parameter.
    """
    text = (text or default_scope(viewer)).strip()
    if viewer is not None and viewer.owner_kind and text in ("direct", "all"):
        # Staff have one set of customers: their own are both their direct ones and
        # all they may see, so these name the same list (and the same URL) as the default.
        text = default_scope(viewer)
    kind, sep, name = text.partition(":")
    if kind not in SCOPE_KINDS or bool(sep) != (kind in ("reseller", "distributor")):
        raise InvalidQuery("scope", "must be direct, all, reseller:<name> or distributor:<name>")
    if not sep:
        return Scope(kind)
    if not name.strip():
        raise InvalidQuery("scope", f"choose a {kind}")
    owner = find_owner(kind, name, viewer)
    if owner is None:
        raise InvalidQuery("scope", f"there is no {kind} named “{name.strip()}”")
    return Scope(kind, owner)


def owner_choices(kind, text="", limit=20, viewer=None):
    """Names of resellers or distributors containing ``text``, for the scope picker
    (for staff: only their own)."""
    if kind not in ("reseller", "distributor"):
        return []
    if viewer is not None and viewer.owner_kind:
        return [viewer.owner_name] if kind == viewer.owner_kind and fold(text) in fold(viewer.owner_name) else []
    query = (Customer.select(Customer.name)
             .join(CustomerSearch)
             .where(Customer.customer_type == kind)
             .order_by(CustomerSearch.sort_name, CustomerSearch.name)
             .limit(limit))
    if fold(text):
        query = query.where(like(CustomerSearch.name, "%" + like_escape(fold(text)) + "%"))
    return [name for (name,) in query.tuples()]


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
    """A whole number from 1 up written in ASCII digits; ``default`` when absent.

    ``str.isdigit`` also accepts superscripts and other digits that ``int``
    refuses (``page=²`` was a 500), so only 0-9 count.
    """
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) < 1:
        raise InvalidQuery(param, "must be a whole number from 1 up")
    return int(text)


def parse_page_size(text):
    size = parse_positive("per_page", text, DEFAULT_PAGE_SIZE)
    if size not in PAGE_SIZES:
        raise InvalidQuery("per_page", f"must be one of {', '.join(map(str, PAGE_SIZES))}")
    return size
