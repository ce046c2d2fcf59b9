"""The customer a ``/customers/<id>...`` URL names: within the signed-in user's reach or a
404, and drawn again as its list row. Shared by the list, the edit page and the related pages."""
from urllib.parse import parse_qsl, urlsplit

from flask import abort, render_template, request
from werkzeug.datastructures import MultiDict

from data import deletion
from data.access import find_customer

from . import list_state
from .actor import current_viewer
from .highlight import Marks
from .htmx import safe_back
from .list_columns import for_row
from .list_url import InvalidQuery

# Ids are 64-bit in the database; a larger number in a URL names no customer
# (and the database driver would fail on it with a 500).
MAX_ID = 2**63 - 1


def ids_within_range(_endpoint, values):
    """404 for an id no customer can have, on every ``/customers/<id>...`` route."""
    customer_id = (values or {}).get("customer_id")
    if customer_id is not None and customer_id > MAX_ID:
        abort(404, description=f"Customer {customer_id} does not exist.")


def customer_or_404(customer_id):
    """The customer, if the signed-in user may see it; otherwise 404 (existence not revealed,
    answered by views/errors.py)."""
    return find_customer(current_viewer(), customer_id)


def render_row(customer_id, message=None):
    """One list row, redrawn after a change, and a message for the alert area."""
    customer = customer_or_404(customer_id)
    back = safe_back(request.values.get("back"))
    cols, extras = for_row(customer, back)
    return render_template("customers/_row_update.html", c=customer, flags=deletion.row_flags([customer_id]),
                           back=back, cols=cols, extras=extras, marks=_marks(back, cols), message=message)


def _marks(back, cols):
    """What the list ``back`` names marks (its search), for one of its rows drawn again."""
    try:
        state, _ = list_state.parse(MultiDict(parse_qsl(urlsplit(back).query)), current_viewer())
    except (InvalidQuery, list_state.PendingOwner):
        return None  # the row is drawn as it is, unmarked, rather than not at all
    return Marks.of(state, cols)
