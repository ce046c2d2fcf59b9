"""The customer list's state as URL parameters, and back.

Every state of the list page is a URL: ``scope``, ``q``, ``sort``, ``page`` and
``per_page``; parameters at their default are left out so URLs stay short.
The search form sends the scope as ``scope=<kind>&owner=<name>``; that is turned
into the canonical ``scope=reseller:<name>``.
"""
from dataclasses import dataclass, replace

from flask import url_for

from data import listing


@dataclass(frozen=True)
class ListState:
    scope: listing.Scope
    q: str = ""
    sort: tuple = ("name", False)
    page: int = 1
    per_page: int = listing.DEFAULT_PAGE_SIZE

    @property
    def sort_param(self):
        key, descending = self.sort
        return ("-" if descending else "") + key

    def params(self, **changes):
        state = replace(self, **changes)
        params = {}
        if state.scope.param != "direct":
            params["scope"] = state.scope.param
        if state.q:
            params["q"] = state.q
        if state.sort != ("name", False):
            params["sort"] = state.sort_param
        if state.per_page != listing.DEFAULT_PAGE_SIZE:
            params["per_page"] = state.per_page
        if state.page != 1:
            params["page"] = state.page
        return params

    def url(self, **changes):
        """The list URL for this state, with ``changes`` applied (e.g. ``page=2``)."""
        return url_for("customers.index", **self.params(**changes))

    def all_customers_url(self):
        """The same search over all customers (offered when a scope finds nothing)."""
        return self.url(scope=listing.Scope("all"), page=1)

    def sort_url(self, key):
        """Sorting by ``key`` again flips the direction; a new key starts ascending."""
        current, descending = self.sort
        return self.url(sort=(key, not descending if key == current else False), page=1)


class PendingOwner(Exception):
    """The form chose "subcustomers of reseller" but no reseller yet."""

    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


def scope_text(args):
    """The scope parameter, joining the form's ``scope`` kind and ``owner`` fields."""
    scope = args.get("scope", "direct")
    owner = args.get("owner")
    if owner is not None and scope in ("reseller", "distributor"):
        if not owner.strip():
            raise PendingOwner(scope)
        return f"{scope}:{owner}"
    return scope


def parse(args):
    """Build the state from request args; raises ``InvalidQuery`` or ``PendingOwner``."""
    return ListState(
        scope=listing.parse_scope(scope_text(args)),
        q=listing.parse_query_text(args.get("q", "")),
        sort=listing.parse_sort(args.get("sort")),
        page=listing.parse_positive("page", args.get("page"), 1),
        per_page=listing.parse_page_size(args.get("per_page")),
    )


def form_values(args, state=None):
    """What the search form shows: the parsed state, or the raw input after an error."""
    if state is not None:
        owner = state.scope.owner.name if state.scope.owner else ""
        return dict(kind=state.scope.kind, owner=owner, q=state.q,
                    sort=state.sort_param, per_page=state.per_page)
    kind, _, owner = args.get("scope", "direct").partition(":")
    return dict(kind=kind, owner=args.get("owner", owner), q=args.get("q", ""),
                sort=args.get("sort", "name"), per_page=args.get("per_page", listing.DEFAULT_PAGE_SIZE))
