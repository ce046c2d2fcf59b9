"""The Customer classes pages: the list, a new class, one class (its settings, its
next maintenance run, its history) and retiring, reinstating or deleting it.

Every signed-in role may read them (reseller and distributor staff see the
customer counts of their own customers only); changing them is the
"classes" kind of change (operator administrators). A change answers htmx with
the class page's content and plain browsers with a redirect and a message.
"""
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for

from data import classes, clock, periodic
from data.errors import Conflict, Invalid, NotFound

from .actor import current_viewer
from .errors import conflict_text
from .htmx import is_fragment_request

bp = Blueprint("classes", __name__, url_prefix="/classes")
# Ids are 64-bit in the database: a larger number names no class.
MAX_ID = 2**63 - 1
# Empty fee rows a form offers below the fees set (no JavaScript adds rows).
SPARE_FEE_ROWS = 2


@bp.url_value_preprocessor
def _ids_within_range(_endpoint, values):
    if (values or {}).get("class_id", 0) > MAX_ID:
        abort(404, description="There is no such customer class.")


def _class_or_404(class_id):
    try:
        return classes.find(class_id)
    except NotFound:
        abort(404, description=f"Customer class {class_id} does not exist (it may have been deleted).")


def _fee_rows(form, cls):
    """The fee rows to draw: as sent after an error, else the class's fees, plus spare rows."""
    if form is not None:
        rows = [(n, currency, amount) for n, currency, amount in classes.fee_rows(form)]
    else:
        rows = [(n, currency, amount) for n, (currency, amount) in
                enumerate(classes.fees(cls.id).items() if cls is not None else [])]
    start = max((n for n, _, _ in rows), default=-1) + 1
    return rows + [(start + i, "", "") for i in range(SPARE_FEE_ROWS)]


def _values(cls, form):
    def v(name):
        if form is not None:
            return form.get(name, "")
        if cls is None:
            return {"grace_days": 0, "reactivation_days": 30}.get(name, "")
        return getattr(cls, name)
    return v


def _form_context(cls, form=None, errors=None):
    return dict(v=_values(cls, form if errors else None), errors=errors or {},
                fee_rows=_fee_rows(form if errors else None, cls), currencies=classes.currencies())


@bp.get("")
def index():
    return render_template("classes/index.html", classes=classes.overview(current_viewer()))


@bp.get("/new")
def new():
    current_viewer().check_may("classes")
    return render_template("classes/new.html", **_form_context(None))


@bp.post("/new")
def create():
    try:
        cls = classes.create_class(request.form.to_dict(), current_viewer())
    except Invalid as invalid:
        return render_template("classes/new.html", **_form_context(None, request.form, invalid.errors)), 422
    flash(f"Customer class “{cls.name}” was created.", "success")
    return redirect(url_for("classes.show", class_id=cls.id), 303)


def _page(cls, status=200, form=None, errors=None, message=None):
    viewer = current_viewer()
    now = clock.utcnow()
    customers = classes.customer_counts(viewer).get(cls.id, 0)
    context = dict(cls=cls, message=message, customers=customers, fee_runs=periodic.class_preview(cls.id, viewer, now),
                   period=periodic.period_of(now), next_period=periodic.next_period_start(now),
                   history=classes.history(cls.id), **_form_context(cls, form, errors))
    template = "classes/_content.html" if is_fragment_request() else "classes/show.html"
    return make_response(render_template(template, **context), status)


@bp.get("/<int:class_id>")
def show(class_id):
    return _page(_class_or_404(class_id))


def _done(class_id, text):
    if is_fragment_request():
        return _page(_class_or_404(class_id), message=("success", text))
    flash(text, "success")
    return redirect(url_for("classes.show", class_id=class_id), 303)


def _refused(class_id, error):
    text = conflict_text(error)
    if is_fragment_request():
        return _page(_class_or_404(class_id), 409, message=("error", text))
    flash(text, "error")
    return redirect(url_for("classes.show", class_id=class_id), 303)


@bp.post("/<int:class_id>")
def save(class_id):
    _class_or_404(class_id)
    try:
        classes.update_class(class_id, request.form.to_dict(), current_viewer(), request.form.get("version"))
    except Invalid as invalid:
        return _page(_class_or_404(class_id), 422, form=request.form, errors=invalid.errors)
    except Conflict as error:
        return _refused(class_id, error)
    return _done(class_id, "Changes saved.")


def _state_change(class_id, change, text):
    _class_or_404(class_id)
    try:
        cls = change(class_id, current_viewer(), request.form.get("version"))
    except Conflict as error:
        return _refused(class_id, error)
    return _done(class_id, text.format(name=cls.name))


@bp.post("/<int:class_id>/retire")
def retire(class_id):
    return _state_change(class_id, classes.retire,
                         "Customer class “{name}” is retired: its customers keep it; it is not offered any more.")


@bp.post("/<int:class_id>/reinstate")
def reinstate(class_id):
    return _state_change(class_id, classes.reinstate, "Customer class “{name}” is offered again.")


@bp.post("/<int:class_id>/delete")
def delete(class_id):
    _class_or_404(class_id)
    try:
        cls = classes.delete_class(class_id, current_viewer())
    except Conflict as error:
        return _refused(class_id, error)
    flash(f"Customer class “{cls.name}” was deleted.", "success")
    if is_fragment_request():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url_for("classes.index")
        return response
    return redirect(url_for("classes.index"), 303)
