"""``GET /customers.csv``: every customer the list's search matches, as CSV."""
from flask import Blueprint, Response, request, stream_with_context

from data import export

from . import list_state
from .actor import current_viewer
from .errors import error_response
from .list_url import InvalidQuery

bp = Blueprint("export", __name__)


@bp.get("/customers.csv")
def customers_csv():
    try:
        state, _ = list_state.parse(request.args, current_viewer())
    except (InvalidQuery, list_state.PendingOwner) as error:
        param = getattr(error, "param", "scope")
        message = getattr(error, "message", "choose a reseller or distributor")
        return error_response(400, f"Invalid parameter “{param}”: {message}.")
    rows = export.csv_text(state.search)
    # The header and the first batch are made here, before the response starts: a
    # failure in the search then is an ordinary error page (status, security headers),
    # not a server's bare 500 after a 200 was already sent.
    first = next(rows)
    response = Response(stream_with_context(_stream(first, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="customers.csv"'
    return response


def _stream(first, rows):
    # A generator (not itertools.chain) so that a client leaving early closes ``rows``
    # too, which ends its transaction (PostgreSQL's export cursor) at once.
    try:
        yield first
        yield from rows
    finally:
        rows.close()
