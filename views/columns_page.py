"""``/customers/columns``: which columns the customer list shows, in which order, and
compact or comfortable rows, for the signed-in user (issue 13).

A plain form (works without JavaScript): a checkbox per column, Up and Down buttons to
order them (keyboard-usable, no dragging), the row density. Every press saves. With htmx
the form redraws itself with the focus back on the button pressed; without it the page
is loaded again at that column.
"""
from flask import Blueprint, g, redirect, render_template, request, url_for

from data import list_columns
from data.errors import Invalid

from .htmx import is_fragment_request, safe_back
from .list_columns import layout

bp = Blueprint("columns", __name__, url_prefix="/customers/columns")


def _render(current, status=200, errors=None, focus="", saved=False):
    fragment = is_fragment_request()
    response = render_template("customers/columns.html" if not fragment else "customers/_columns_form.html",
                               layout=current, columns=list_columns.BY_KEY, errors=errors or {}, focus=focus,
                               saved=saved, back=safe_back(request.values.get("back")), fragment=fragment)
    return response, status, {"Vary": "HX-Request"}


@bp.get("")
def index():
    return _render(layout(), saved=bool(request.args.get("saved")))


@bp.post("")
def save():
    form = request.form
    focus = ""
    try:
        if form.get("reset"):
            list_columns.reset_layout(g.user.id)
            current = list_columns.Layout()
        else:
            current = list_columns.make_layout(form.getlist("order"), form.getlist("show"),
                                               form.get("density", "comfortable"))
            move = form.get("move", "")
            if move:
                direction, _, key = move.partition(":")
                if direction not in ("up", "down"):
                    raise Invalid({"move": "must be up:<column> or down:<column>"})
                current = list_columns.moved(current, key, -1 if direction == "up" else 1)
                focus = move
            list_columns.save_layout(g.user.id, current)
    except Invalid as invalid:
        return _render(layout(), 422, invalid.errors)
    if is_fragment_request():
        return _render(current, focus=focus, saved=True)
    anchor = f"#col-{focus.partition(':')[2]}" if focus else ""
    return redirect(url_for("columns.index", back=request.values.get("back") or None, saved=1) + anchor, 303)
