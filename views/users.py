"""The Users pages: the list, a new user, one user's page with its changes, and who
must use two-factor sign-in. Only for roles that may manage users (403 otherwise);
the rules of who may change whom are in data/user_admin.py."""
from flask import Blueprint, flash, redirect, render_template, request, url_for

from data import listing, sign_in_log, two_factor, user_admin
from data.access import OWNER_ROLES, ROLES
from data.errors import Conflict, Invalid

from .actor import current_viewer

bp = Blueprint("users", __name__, url_prefix="/users")


def _owner_errors(errors):
    """The owner's error under the form's one ``owner`` field, whatever kind it was."""
    errors = dict(errors)
    for kind in ("reseller", "distributor"):
        if kind in errors:
            errors["owner"] = errors.pop(kind)
    return errors


def _index_page(status=200, rule_errors=None, requirement=None):
    viewer = current_viewer()
    return render_template("users/index.html", users=user_admin.listing(viewer),
                           requirement=requirement or two_factor.requirement(), rule_errors=rule_errors or {},
                           may_change=lambda user: user_admin.may_change(viewer, user)), status


@bp.get("")
def index():
    return _index_page()


@bp.post("/two-factor")
def two_factor_rule():
    viewer = current_viewer()
    viewer.check_may("sign_in_rules")
    choice = request.form.get("required", "")
    roles = request.form.getlist("role")
    if choice not in ("none", "everyone", "roles"):
        return _index_page(422, {"required": "choose who must use two-factor sign-in"})
    if choice == "roles" and not roles:
        return _index_page(422, {"required": "tick at least one role, or choose “Nobody”"},
                           two_factor.Requirement(False, frozenset()))
    try:
        two_factor.set_requirement(choice == "everyone", roles if choice == "roles" else [])
    except Invalid as invalid:
        return _index_page(422, {"required": invalid.errors["roles"]})
    flash("The two-factor sign-in rule was saved. Users it now applies to set it up at their next page.", "success")
    return redirect(url_for("users.index"), 303)


def _owner_names(viewer, role, text):
    """The names of the resellers or distributors (as ``role`` needs) containing ``text``."""
    kind = OWNER_ROLES.get(role)
    return listing.owner_choices(kind, text, viewer=viewer) if kind else []


@bp.get("/owner-options")
def owner_options():
    """``<option>``s for the user form's owner (a datalist): the names of the chosen role's kind."""
    viewer = current_viewer()
    viewer.check_may("manage_users")
    names = _owner_names(viewer, request.args.get("role", ""), request.args.get("owner", ""))
    return render_template("customers/_owner_options.html", names=names)


def _new_page(status=200, values=None, errors=None):
    viewer = current_viewer()
    values = values or {}
    return render_template("users/new.html", values=values, errors=errors or {},
                           role_choices=user_admin.assignable_roles(viewer),
                           owner_names=_owner_names(viewer, values.get("role", ""), values.get("owner", ""))), status


@bp.get("/new")
def new():
    current_viewer().check_may("manage_users")
    return _new_page()


@bp.post("/new")
def create():
    viewer = current_viewer()
    viewer.check_may("manage_users")
    form = request.form
    values = {"name": form.get("name", ""), "role": form.get("role", ""), "owner": form.get("owner", "")}
    try:
        user, password = user_admin.create(viewer, values["name"], values["role"], values["owner"],
                                           form.get("password", ""))
    except Invalid as invalid:
        return _new_page(422, values, _owner_errors(invalid.errors))
    if password:
        return render_template("users/password.html", user=user, password=password, created=True)
    flash(f"User “{user.name}” was created. They choose their own password at the first sign-in.", "success")
    return redirect(url_for("users.show", user_id=user.id), 303)


def _show_page(user, status=200, errors=None, values=None):
    viewer = current_viewer()
    values = values or {}
    return render_template("users/show.html", user=user, errors=errors or {}, values=values,
                           may_change=user_admin.may_change(viewer, user) and user.name != viewer.name,
                           role_choices=user_admin.assignable_roles(viewer),
                           owner_names=_owner_names(viewer, values.get("role", ""), values.get("owner", "")),
                           recent=sign_in_log.recent(user.id), changes=sign_in_log.changes(user.id)), status


@bp.get("/<int:user_id>")
def show(user_id):
    return _show_page(user_admin.find(current_viewer(), user_id))


@bp.post("/<int:user_id>/role")
def change_role(user_id):
    viewer = current_viewer()
    user = user_admin.find(viewer, user_id)
    values = {"role": request.form.get("role", ""), "owner": request.form.get("owner", "")}
    try:
        user = user_admin.change_role(viewer, user, values["role"], values["owner"])
    except Invalid as invalid:
        return _show_page(user, 422, _owner_errors(invalid.errors), values)
    flash(f"{user.name} is now {ROLES[user.role]}.", "success")
    return redirect(url_for("users.show", user_id=user.id), 303)


@bp.post("/<int:user_id>/<any(disable, enable):action>")
def disable_or_enable(user_id, action):
    viewer = current_viewer()
    user = user_admin.find(viewer, user_id)
    if action == "disable":
        user = user_admin.disable(viewer, user)
        flash(f"{user.name} is disabled and was signed out everywhere.", "success")
    else:
        user = user_admin.enable(viewer, user)
        flash(f"{user.name} can sign in again.", "success")
    return redirect(url_for("users.show", user_id=user.id), 303)


@bp.post("/<int:user_id>/password")
def reset_password(user_id):
    viewer = current_viewer()
    user = user_admin.find(viewer, user_id)
    password = user_admin.reset_password(viewer, user)
    return render_template("users/password.html", user=user, password=password, created=False)


@bp.post("/<int:user_id>/two-factor/off")
def two_factor_off(user_id):
    viewer = current_viewer()
    user = user_admin.find(viewer, user_id)
    if not user.two_factor:
        raise Conflict(f"{user.name} has no two-factor sign-in to turn off")
    user_admin.turn_off_two_factor(viewer, user)
    flash(f"Two-factor sign-in of {user.name} is off, and they were signed out everywhere. "
          "If it is required for their role, they set it up again at their next sign-in.", "success")
    return redirect(url_for("users.show", user_id=user.id), 303)
