"""The list's status chips and money totals (issue 13), and its Owner column.

``GET /customers/status-counts`` and ``GET /customers/totals`` take the list's own
parameters (views/list_url.py). The list page asks for them with htmx once its rows
are in (``hx-trigger="load"``), so they never delay the list; without JavaScript
the page links to them instead, and they answer as pages of their own.

A chip is a link to the list with the status toggled in its ``flt<n>_status_in``
condition. The chips' counts leave that condition out (each chip says what ticking
it adds; the others stay visible), the totals are the list's own matches.
"""
from dataclasses import replace

from flask import request, url_for

from data import listing, tallies
from data.conditions import Condition
from data.search import Search
from data.status import STATUSES

from . import list_state
from .actor import current_viewer
from .errors import error_response
from .htmx import is_fragment_request, render
from .list_url import InvalidQuery, scope_param

CHIP_ID = "chip-"


def _state():
    """The list state of the request, or an error answer naming the bad parameter."""
    try:
        state, _ = list_state.parse(request.args, current_viewer())
    except (InvalidQuery, list_state.PendingOwner) as error:
        param = getattr(error, "param", "owner")
        message = getattr(error, "message", "choose a reseller or distributor")
        return None, error_response(400, f"Invalid parameter “{param}”: {message}.")
    return replace(state, page=1), None


def chosen_statuses(state):
    """The codes of the list's first Is-any-of status condition (the chips' own), or ()."""
    chips = _chip_condition(state)
    return chips.value if chips else ()


def _chip_condition(state):
    return next((c for c in state.conditions if c.field == "status" and c.op == "in"), None)


def toggled(state, code):
    """The list state with ``code`` ticked or unticked in the chips' condition."""
    current = _chip_condition(state)
    chosen = set(current.value) if current else set()
    chosen ^= {code}
    codes = tuple(s.code for s in STATUSES if s.code in chosen)
    new = Condition("status", "in", codes) if codes else None
    if current is None:
        conditions = (*state.conditions, new)
    else:
        conditions = tuple(new if c is current else c for c in state.conditions if not (c is current and new is None))
    # The chips' condition is a row of the advanced form; the last one gone, so is that form.
    return replace(state, conditions=conditions, page=1, advanced=bool(conditions))


def status_counts():
    state, failed = _state()
    if failed:
        return failed
    chips = _chip_condition(state)
    # The counts are the search without the chips' own condition: one compile for this request.
    search = Search(state.scope, state.q, tuple(c for c in state.conditions if c is not chips), state.viewer)
    counts = tallies.status_counts(search)
    chosen = chosen_statuses(state)
    chips_shown = [(s, counts[s.code]) for s in STATUSES if counts[s.code] or s.code in chosen]
    every = replace(state, conditions=search.conditions, advanced=bool(search.conditions)).url()
    return render("customers/summary.html", "customers/_status_chips.html", state=state, chips=chips_shown,
                  chosen=chosen, toggled=toggled, all_statuses_url=every, focus=request.args.get("focus", ""),
                  what="counts")


def totals():
    state, failed = _state()
    if failed:
        return failed
    return render("customers/summary.html", "customers/_totals.html", state=state,
                  totals=tallies.money_totals(state.search), what="totals")


def summary_urls(state, focus=""):
    """The two endpoints' URLs for ``state`` (the list's parameters, page left out);
    ``focus``: the status whose chip gets the focus (the one just clicked)."""
    params = state.params(page=1)
    chips = url_for("customers.status_counts", **params, **({"focus": focus} if focus else {}))
    return chips, url_for("customers.totals", **params)


def whole_page():
    """A chip asks for the whole list (its form must show the new condition), not the rows only."""
    return is_fragment_request() and request.headers.get("HX-Target") == "main"


def clicked_chip():
    """The status of the chip that asked for this page (htmx names the element), to focus it again."""
    trigger = request.headers.get("HX-Trigger", "") if whole_page() else ""
    return trigger.removeprefix(CHIP_ID) if trigger.startswith(CHIP_ID) else ""


def shows_owner(scope_kind, viewer):
    """The Owner column: in "All customers", for those who see more than one owner's customers."""
    return scope_kind == "all" and not (viewer is not None and viewer.owner_kind)


def owner_cells(customers):
    """``{customer id: [(kind, name, url of that owner's list)]}`` for the Owner column, in one query."""
    owners = listing.owners_of(customers)
    cells = {}
    for customer in customers:
        cells[customer.id] = [(kind, owner.name, url_for("customers.index", scope=scope_param(
            listing.Scope(kind, owner)))) for kind, owner in owners.get(customer.id, ())]
    return cells


def register(bp):
    bp.add_url_rule("/status-counts", "status_counts", status_counts, methods=["GET"])
    bp.add_url_rule("/totals", "totals", totals, methods=["GET"])
