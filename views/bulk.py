"""Bulk actions on the customer list (issue 13): preview, start, progress, cancel, result.

The selection is the list's own search (its URL parameters, in ``search``), narrowed
to the ticked rows (``id``) or the page's rows (``page_id``) unless the admin chose
"all N matching". The job runs in the background (jobs.py); its page polls its
progress with htmx, and without JavaScript is reloaded by hand.
"""
from urllib.parse import parse_qsl, urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from werkzeug.datastructures import MultiDict

import jobs
from data import bulk_actions, bulk_jobs, classes, export, search
from data.bulk_actions import ACTIONS
from data.errors import Invalid
from data.models import Customer

from . import list_url
from .actor import current_viewer
from .errors import error_response
from .htmx import is_fragment_request, safe_back

bp = Blueprint("bulk", __name__, url_prefix="/customers/bulk")

# At most one page of ticked rows (the largest page size).
MAX_TICKED = max(list_url.PAGE_SIZES)
SELECTIONS = ("ticked", "page", "all")


class _Request:
    """The bulk form as sent: what to do, to which customers, and where to go back to."""

    def __init__(self, values):
        self.values = values
        self.action = values.get("action", "")
        self.argument = values.get("customer_class", "").strip()
        self.search_text = values.get("search", "")
        self.selection_kind = values.get("selection", "ticked")
        self.back = safe_back(values.get("back"))
        self.errors = {}
        if self.selection_kind not in SELECTIONS:
            self.selection_kind = "ticked"
        self.ids = []
        if self.selection_kind != "all":
            raw = values.getlist("id" if self.selection_kind == "ticked" else "page_id")
            try:
                self.ids = sorted({int(i) for i in raw})
            except ValueError:
                abort(error_response(400, "The selected rows (“id”) must be customer numbers."))
            if len(self.ids) > MAX_TICKED:
                abort(error_response(400, f"At most {MAX_TICKED} rows can be ticked; "
                                          "choose “all matching this search” instead."))
            if not self.ids:
                self.errors["selection"] = "Tick at least one customer, or choose all on this page or all matching."
        if self.action not in ACTIONS:
            self.errors["action"] = "Choose an action."
        try:
            self.selection = list_url.selection(MultiDict(parse_qsl(self.search_text, keep_blank_values=True)),
                                                current_viewer())
        except list_url.InvalidQuery as error:
            abort(error_response(400, f"Invalid parameter “{error.param}”: {error.message}."))
        self.extra = (Customer.id.in_(self.ids),) if self.ids else ()

    def hidden(self):
        """The fields that carry this request to its next step."""
        fields = [("search", self.search_text), ("selection", self.selection_kind), ("action", self.action),
                  ("customer_class", self.argument), ("back", self.back)]
        name = "id" if self.selection_kind == "ticked" else "page_id"
        return fields + [(name, i) for i in self.ids]

    def export_url(self):
        params = [("search", self.search_text), ("selection", "all" if not self.ids else "ticked")]
        params += [("id", i) for i in self.ids]
        return url_for("bulk.export_csv") + "?" + urlencode(params)


def _preview_page(form, status=200, preview=None):
    viewer = current_viewer()
    if preview is None and not form.errors:
        action = ACTIONS[form.action]
        if not bulk_actions.may(viewer, form.action):
            viewer.check_may(action.kind)
        try:
            bulk_actions.target_class(form.action, form.argument)
            preview = bulk_actions.preview(form.action, form.argument, form.selection, viewer, form.extra)
        except Invalid as invalid:
            form.errors.update(invalid.errors)
    if form.errors and status == 200:
        status = 422
    return make_response(render_template(
        "bulk/preview.html", form=form, preview=preview, actions=bulk_actions.offered(viewer),
        classes=classes.offered()), status)


@bp.post("/preview")
def preview():
    """What the action would do to the selection, and the button that starts it."""
    return _preview_page(_Request(request.form))


@bp.post("")
def start():
    """Start the job (after the preview); permanent termination needs the count typed."""
    form = _Request(request.form)
    if form.errors:
        return _preview_page(form)
    viewer = current_viewer()
    action = ACTIONS[form.action]
    if action.kind is None:
        return redirect(form.export_url(), 303)
    viewer.check_may(action.kind)
    try:
        cls = bulk_actions.target_class(form.action, form.argument)
    except Invalid as invalid:
        form.errors.update(invalid.errors)
        return _preview_page(form)
    result = bulk_actions.preview(form.action, form.argument, form.selection, viewer, form.extra)
    if result.will_change == 0:
        form.errors["confirmation"] = "None of the selected customers would change; nothing to run."
        return _preview_page(form, preview=result)
    if action.typed_confirmation:
        typed = request.form.get("confirmation", "").replace(",", "").replace(" ", "").strip()
        if typed != str(result.will_change):
            form.errors["confirmation"] = (f"Type {result.will_change} (the number of customers that will be "
                                           "terminated) to confirm.")
            return _preview_page(form, preview=result)
    description = _describe(form, cls)
    job = bulk_jobs.create(viewer, form.action, cls.id if cls else "", form.search_text, form.ids, description,
                           result.total)
    jobs.run_bulk_job(job.id)
    return redirect(url_for("bulk.show", job_id=job.id), 303)


def _describe(form, cls):
    what = ACTIONS[form.action].label + (f" → {cls.name}" if cls else "")
    if form.ids:
        return f"{what}: {len(form.ids)} selected customer(s)"
    terms = ", ".join(f"{name} = {value}" for name, value in parse_qsl(form.search_text)) or "the default list"
    return f"{what}: every customer matching {terms}"


@bp.get("")
def index():
    """The signed-in user's latest bulk jobs."""
    return render_template("bulk/index.html", jobs=bulk_jobs.recent(current_viewer()))


# Outcomes shown per page of a finished job (the CSV has them all).
OUTCOMES_PAGE = 100


@bp.get("/<int:job_id>")
def show(job_id):
    """The job: its progress while it runs (htmx polls the fragment), its result when done."""
    job = bulk_jobs.find(job_id, current_viewer())
    only = request.args.get("only")
    after = request.args.get("after", "0")
    if not after.isdigit():
        abort(error_response(400, "Invalid parameter “after”: it must be a customer number."))
    outcomes = bulk_jobs.outcomes(job, only, int(after), OUTCOMES_PAGE + 1) if job.finished else []
    context = dict(job=job, only=only, reasons=bulk_jobs.skip_reasons(job) if job.finished else [],
                   outcomes=outcomes[:OUTCOMES_PAGE], after=int(after),
                   next_after=outcomes[OUTCOMES_PAGE - 1].customer_id if len(outcomes) > OUTCOMES_PAGE else None)
    if is_fragment_request():
        response = make_response(render_template("bulk/_progress.html", **context))
    else:
        response = make_response(render_template("bulk/show.html", **context))
    response.vary.add("HX-Request")
    return response


@bp.post("/<int:job_id>/cancel")
def cancel(job_id):
    """Stop the job before its next batch (what it did so far stays done, and is listed)."""
    job = bulk_jobs.cancel(bulk_jobs.find(job_id, current_viewer()))
    if is_fragment_request():
        response = make_response(render_template("bulk/_progress.html", job=job, only=None,
                                                 reasons=bulk_jobs.skip_reasons(job) if job.finished else [],
                                                 outcomes=[]))
        response.vary.add("HX-Request")
        return response
    return redirect(url_for("bulk.show", job_id=job.id), 303)


@bp.get("/<int:job_id>.csv")
def result_csv(job_id):
    """The outcome per customer: customer_id, customer, outcome (changed/skipped), reason."""
    job = bulk_jobs.find(job_id, current_viewer())
    response = Response(stream_with_context(bulk_jobs.result_csv(job)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="bulk-job-{job.id}.csv"'
    return response


@bp.get("/export.csv")
def export_csv():
    """The selection as CSV, in the columns of ``/customers.csv`` (data/export.py)."""
    form = _Request(request.args)
    if form.errors.get("selection"):
        return error_response(422, form.errors["selection"])
    if form.ids:
        rows = export.csv_lines([export.plain_rows(search.ids_after(form.selection, 0, MAX_TICKED, form.extra))])
    else:
        rows = export.csv_text(form.selection)
    response = Response(stream_with_context(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="customers.csv"'
    return response


# The list's bulk bar offers only what the viewer's role may do.
bp.add_app_template_global(bulk_actions.offered, "bulk_actions")
bp.add_app_template_global(classes.offered, "bulk_classes")
