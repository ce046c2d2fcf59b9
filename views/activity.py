"""``GET /activity``: the activity log, every change across customers; ``GET /activity.csv``:
the same entries (same filter parameters) as CSV."""
import csv
import io

from flask import Blueprint, Response, request, stream_with_context, url_for

from data import activity
from data.csvfile import neutralise
from data.history import SOURCES
from data.models import Customer
from data.records import History

from .actor import current_viewer
from .errors import error_response
from .htmx import is_fragment_request, render

bp = Blueprint("activity", __name__)
FILTERS = ("user", "action", "source", "customer", "from", "to")
# The public CSV columns (README.md): keep their names and order.
CSV_COLUMNS = ("time_utc", "user", "source", "customer_id", "customer", "action", "field", "old_value", "new_value")
_LIMITS = {"user": History.actor.max_length, "action": History.action.max_length, "customer": 100}


def _form():
    return {name: request.args.get(name, "").strip() for name in FILTERS}


def _filters(form):
    """The typed filters of the request; ``activity.BadFilter`` names a bad one."""
    for name, limit in _LIMITS.items():
        if len(form[name]) > limit:
            raise activity.BadFilter(name, f"is longer than {limit} characters")
    if form["source"] and form["source"] not in SOURCES:
        raise activity.BadFilter("source", f"must be one of {', '.join(SOURCES)}")
    return activity.Filters(user=form["user"], action=form["action"], source=form["source"],
                            customer=form["customer"], start=activity.parse_date("from", form["from"]),
                            end=activity.parse_date("to", form["to"]))


def _link(form):
    def link(endpoint="activity.index", **cursor):
        params = {k: v for k, v in {**form, **cursor}.items() if v}
        return url_for(endpoint, **params)
    return link


def _choices(form):
    if is_fragment_request():
        return {}  # the fragment has no form: no need to read the choices
    viewer = current_viewer()
    users, actions = activity.users(viewer), activity.actions()
    # A value from the address bar that the list lacks still shows as chosen.
    if form["user"] and form["user"] not in users:
        users = [form["user"], *users]
    if form["action"] and form["action"] not in actions:
        actions = [form["action"], *actions]
    return {"users": users, "actions": actions}


@bp.get("/activity")
def index():
    form = _form()
    link = _link(form)
    try:
        filters = _filters(form)
        before = activity.Cursor.parse(request.args["before"]) if request.args.get("before") else None
        after = activity.Cursor.parse(request.args["after"]) if request.args.get("after") else None
    except activity.BadFilter as error:
        return render("activity/index.html", "activity/_results.html", status=422, push_url="false",
                      form=form, error=error, link=link, sources=SOURCES, **_choices(form))
    found = activity.page(current_viewer(), filters, before, after)
    linkable, existing = _customers(current_viewer(), {row.customer_id for row in found.rows})
    here = link(before=request.args.get("before", ""), after=request.args.get("after", ""))
    return render("activity/index.html", "activity/_results.html", push_url=here, form=form, error=None,
                  page=found, linkable=linkable, existing=existing, link=link, paged=bool(before or after),
                  sources=SOURCES, **_choices(form))


def _customers(viewer, ids):
    """``(linkable, existing)``: which of these customers have a page the viewer may open,
    and which exist at all. The others were deleted (their delete is in the log too); one
    that exists out of reach moved to another reseller or distributor since."""
    if not ids:
        return set(), set()
    rows = list(Customer.select(Customer.id, Customer.reseller, Customer.distributor)
                .where(Customer.id.in_(list(ids))))
    return {c.id for c in rows if viewer.allows(c)}, {c.id for c in rows}


@bp.get("/activity.csv")
def csv_file():
    try:
        filters = _filters(_form())
    except activity.BadFilter as error:
        return error_response(422, f"Invalid parameter “{error.param}”: {error.message}.")
    batches = activity.batches(current_viewer(), filters)
    # The header and the first batch before the response starts: a failing query is
    # then an ordinary error page, not a broken download after a 200.
    first = _lines(next(batches, []), header=True)
    response = Response(stream_with_context(_stream(first, batches)), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="activity.csv"'
    return response


def _stream(first, batches):
    try:
        yield first
        for rows in batches:
            yield _lines(rows)
    finally:
        batches.close()


def _lines(rows, header=False):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow((row.at.strftime("%Y-%m-%d %H:%M:%S"), neutralise(row.actor), row.source, row.customer_id,
                         neutralise(row.customer_name), neutralise(row.action), neutralise(row.field),
                         neutralise(row.old_value), neutralise(row.new_value)))
    return out.getvalue()
