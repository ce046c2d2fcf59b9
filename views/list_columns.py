"""Which columns the customer list shows for the signed-in user, and what their cells
need for a page: the owners, class names and last changes, each one batched query
(never one per row).

The columns come from the list's ``cols`` parameter (a saved view's own) or else from
the user's choice (``/customers/columns``). The Owner column says nothing to staff
(every row is their owner's); with the defaults it is shown only where owners mix
(All customers), as before there was a choice.
"""
from urllib.parse import parse_qs, urlsplit

from flask import g

from data import list_columns

from . import list_summary
from .actor import current_viewer
from .list_url import InvalidQuery, parse_columns


def layout():
    """The signed-in user's list layout, read once a request."""
    if "list_layout" not in g:
        g.list_layout = list_columns.layout_for(g.user.id) if g.get("user") else list_columns.Layout()
    return g.list_layout


def shown(columns, scope_kind):
    """The columns to draw: ``columns`` (a state's ``cols``) or the user's, Owner as it applies."""
    chosen = layout()
    keys = columns or chosen.columns
    viewer = current_viewer()
    staff = viewer is not None and viewer.owner_kind
    if "owner" in keys and (staff or (not columns and not chosen.chosen
                                      and not list_summary.shows_owner(scope_kind, viewer))):
        keys = tuple(k for k in keys if k != "owner")
    return keys


def page_extras(customers, keys):
    """What the chosen columns' cells need beyond the customer rows: one query each."""
    return {"owners": list_summary.owner_cells(customers) if "owner" in keys else {},
            "classes": list_columns.class_names(customers) if "customer_class" in keys else {},
            "last": list_columns.last_changes([c.id for c in customers]) if "last_change" in keys else {}}


def table(state, customers):
    """``(keys, extras, compact)`` for a list page of ``customers``."""
    keys = shown(state.columns, state.scope.kind)
    return keys, page_extras(customers, keys), layout().compact


def for_row(customer, back):
    """``(keys, extras)`` for one row redrawn into the list it came from (``back``)."""
    query = parse_qs(urlsplit(back).query)
    try:
        columns = parse_columns(query.get("cols", [""])[0])
    except InvalidQuery:
        columns = None
    keys = shown(columns, query.get("scope", [""])[0])
    return keys, page_extras([customer], keys)
