"""What a customer list covers and can be sorted by: scopes, their owners, sort keys.

Typed values only; how the list's URLs spell them is views/list_url.py's business.
"""
from dataclasses import dataclass

from .models import Customer, CustomerSearch, sort_key
from .search_nodes import like
from .search_pages import CUSTOMER_SORTS, TEXT_SORTS
from .text import clean, fold, like_escape

SCOPE_KINDS = ("direct", "all", "reseller", "distributor")
SORTS = tuple(TEXT_SORTS) + tuple(CUSTOMER_SORTS)


@dataclass(frozen=True)
class Scope:
    """Which customers a list covers; ``owner`` is the reseller or distributor."""
    kind: str = "direct"
    owner: Customer | None = None


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


def owners_of(customers):
    """``{customer id: [("reseller", owner), ("distributor", owner)]}`` (those it has), in one query."""
    wanted = {owner_id for c in customers for owner_id in (c.reseller_id, c.distributor_id) if owner_id}
    if not wanted:
        return {}
    found = {o.id: o for o in Customer.select(Customer.id, Customer.name).where(Customer.id.in_(wanted))}
    owners = {}
    for c in customers:
        for kind, owner_id in (("reseller", c.reseller_id), ("distributor", c.distributor_id)):
            if owner_id in found:
                owners.setdefault(c.id, []).append((kind, found[owner_id]))
    return owners
