"""Saved views of the customer list (issue 13): save the list as it is under a name, for
oneself or shared with the team, open one, make one the landing view, rename, delete.

``GET /customers/views`` lists them (with the save form when ``save`` carries a list's
query string); ``POST /customers/views`` saves; ``POST /customers/views/<id>`` renames
and (un)shares; ``POST /customers/views/<id>/delete``; ``POST /customers/views/landing``.
A view is opened with ``/customers?view=<id>`` (views/customers.py asks ``opening``):
its query is checked by the list's own parser again, since owners and fields come and go.
"""
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from data import saved_views
from data.access import Forbidden
from data.errors import Invalid, NotFound

from . import list_columns, list_state
from .actor import current_viewer
from .errors import error_response
from .htmx import is_fragment_request
from .list_url import InvalidQuery

bp = Blueprint("saved_views", __name__, url_prefix="/customers/views")


def checked_query(query, keep_columns=False):
    """The list's canonical query string for ``query`` (page 1), or ``InvalidQuery`` /
    ``PendingOwner`` from the list's own parser. ``keep_columns``: add the columns the
    user chose (``/customers/columns``) when the query names none."""
    args = MultiDict(parse_qsl(query.lstrip("?"), keep_blank_values=True))
    args.pop("view", None)
    state, _ = list_state.parse(args, current_viewer())
    if keep_columns and state.columns is None and list_columns.layout().chosen:
        # Only a choice is kept: a view saved with the defaults shows the opener's own columns.
        state = replace(state, columns=list_columns.layout().columns)
    return urlencode(state.params(page=1))


def _problem(error):
    if isinstance(error, list_state.PendingOwner):
        return f"choose the {error.kind} whose customers the view shows"
    return f"{error.param}: {error.message}"


def _page(status=200, errors=None, values=None):
    user = g.user
    views = saved_views.visible(user)
    save = request.values.get("save")
    return render_template("customers/views.html", views=views, landing=saved_views.landing_id(user),
                           me=user.id, save=save, errors=errors or {}, values=values or {}), status


@bp.get("")
def index():
    return _page()


@bp.post("")
def create():
    form = request.form
    values = {"name": form.get("name", ""), "shared": bool(form.get("shared")), "landing": bool(form.get("landing")),
              "columns": bool(form.get("columns"))}
    try:
        query = checked_query(form.get("save", ""), values["columns"])
        view = saved_views.save(g.user, values["name"], query, values["shared"], values["landing"])
    except (InvalidQuery, list_state.PendingOwner) as error:
        return _page(422, {"save": f"The list cannot be saved as it is ({_problem(error)})."}, values)
    except Invalid as invalid:
        return _page(422, invalid.errors, values)
    flash(f"Saved the view “{view.name}”.", "success")
    return redirect(url_for("customers.index", view=view.id), 303)


def _owned(view_id):
    """The signed-in user's own view, or the answer that refuses (404 unseen, 403 a teammate's)."""
    try:
        return saved_views.find_own(g.user, view_id), None
    except NotFound:
        return None, error_response(404, "There is no such view (it was deleted, or it is not shared with you).")
    except Forbidden as refused:
        return None, error_response(403, f"{refused}.")


@bp.post("/<int:view_id>")
def update(view_id):
    view, refused = _owned(view_id)
    if refused:
        return refused
    try:
        view = saved_views.update(g.user, view.id, request.form.get("name", ""), bool(request.form.get("shared")))
    except Invalid as invalid:
        field = f"name-{view_id}"
        return _page(422, {field: invalid.errors["name"]}, {field: request.form.get("name", "")})
    flash(f"Saved the view “{view.name}”{' (shared with your team)' if view.shared else ''}.", "success")
    return redirect(url_for("saved_views.index"), 303)


@bp.post("/<int:view_id>/delete")
def delete(view_id):
    view, refused = _owned(view_id)
    if refused:
        return refused
    saved_views.delete(g.user, view.id)
    flash(f"Deleted the view “{view.name}”.", "success")
    return redirect(url_for("saved_views.index"), 303)


@bp.post("/landing")
def landing():
    """The view the list opens with (``view``: an id, or empty for the default list)."""
    chosen = request.form.get("view", "")
    if chosen and not (chosen.isascii() and chosen.isdigit() and len(chosen) < 19):
        return _page(422, {"landing": "choose one of the views, or the default list"})
    try:
        saved_views.set_landing(g.user, int(chosen) if chosen else None)
    except NotFound:
        return _page(422, {"landing": "that view does not exist any more, or is not shared with you"})
    flash("The list now opens with " + ("the chosen view." if chosen else "the default list."), "success")
    return redirect(url_for("saved_views.index"), 303)


def opening():
    """What ``/customers`` answers before the list itself: a saved view opened
    (``view=<id>``: to its list URL, or a clear message when it no longer parses), the
    landing view (no parameters at all), or None: the list as asked. ``view=none`` is
    the default list, whatever the landing view."""
    wanted = request.args.get("view")
    if wanted is None:
        if request.args or is_fragment_request():
            return None
        # Stored with the list's layout, which the page reads anyway: one query for both.
        landing = list_columns.layout().landing_view_id
        try:
            view = saved_views.find(g.user, landing) if landing is not None else None
        except NotFound:  # a teammate stopped sharing it: the default list
            view = None
        return _open(view) if view is not None else None
    if wanted == "none":
        return None
    if not (wanted.isascii() and wanted.isdigit() and len(wanted) < 19):
        return error_response(404, "There is no such view.")
    try:
        view = saved_views.find(g.user, int(wanted))
    except NotFound:
        return error_response(404, "There is no such view (it was deleted, or it is not shared with you).")
    return _open(view)


def _open(view):
    """The saved view's list (a redirect to its URL), or why it no longer opens."""
    try:
        query = checked_query(view.query)
    except (InvalidQuery, list_state.PendingOwner) as error:
        return error_response(409, f"The saved view “{view.name}” no longer works: {_problem(error)}. "
                                   "Its owner can delete it and save the list again.")
    return redirect(url_for("customers.index") + (f"?{query}" if query else "?view=none"), 303)


@bp.app_template_global("list_views_menu")
def menu(state):
    """What the list's Views menu shows: the views the user may open, the one the list
    shows now (its query is the list's), the landing view, and the query to save."""
    user = g.user
    views = saved_views.visible(user)
    save = urlencode(state.params(page=1)) if state is not None else ""
    active = next((v for v in views if state is not None and v.query == save), None)
    # The landing view counts only while the user may open it: while it is among their views.
    landing = list_columns.layout().landing_view_id
    return {"views": views, "active": active, "landing": landing if any(v.id == landing for v in views) else None,
            "me": user.id, "save": save}
