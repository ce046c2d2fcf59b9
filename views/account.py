"""My account: change my password, sign my other sessions out, see my recent
sign-ins, and set up or turn off two-factor sign-in."""
from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from data import sessions, sign_in_log, two_factor, users
from data.errors import Invalid

from .auth import SESSION_KEY

bp = Blueprint("account", __name__, url_prefix="/account")
# The secret being set up lives in this browser's session until a code confirms it.
SETUP_KEY = "totp_setup"


def _page(status=200, errors=None, code_errors=None):
    user = g.user
    return render_template(
        "account/index.html", user=user, errors=errors or {}, code_errors=code_errors or {},
        recent=sign_in_log.recent(user.id), other_sessions=max(sessions.active_count(user.id) - 1, 0),
        recovery_left=two_factor.unused_recovery_codes(user) if user.two_factor else 0,
        required=two_factor.requirement().applies_to(user.role)), status


@bp.get("")
def index():
    return _page()


@bp.post("/password")
def password():
    form = request.form
    try:
        users.change_own_password(g.user, form.get("old_password", ""), form.get("new_password", ""),
                                  form.get("repeat_password", ""), request.remote_addr,
                                  keep_session=session.get(SESSION_KEY))
    except Invalid as invalid:
        return _page(422, errors=invalid.errors)
    flash("Your password was changed. Your other sessions were signed out.", "success")
    return redirect(url_for("account.index"), 303)


@bp.post("/sessions/end-others")
def end_other_sessions():
    ended = sessions.end_others(g.user.id, session.get(SESSION_KEY))
    flash(f"{ended} other session{'s' if ended != 1 else ''} signed out." if ended
          else "You had no other session.", "success")
    return redirect(url_for("account.index"), 303)


def _setup_page(status=200, error=None):
    secret = session.get(SETUP_KEY)
    if not secret:
        secret = session[SETUP_KEY] = two_factor.new_secret()
    return render_template("account/two_factor.html", user=g.user, secret=two_factor.grouped(secret),
                           qr=two_factor.qr_data_uri(secret, g.user.name), error=error,
                           required=two_factor.must_enrol(g.user)), status


@bp.get("/two-factor")
def two_factor_setup():
    if g.user.two_factor:
        return redirect(url_for("account.index") + "#two-factor")
    return _setup_page()


@bp.post("/two-factor")
def two_factor_confirm():
    if g.user.two_factor:
        return redirect(url_for("account.index") + "#two-factor", 303)
    try:
        codes = two_factor.enrol(g.user, session.get(SETUP_KEY), request.form.get("code", ""))
    except Invalid as invalid:
        return _setup_page(422, invalid.errors["code"])
    session.pop(SETUP_KEY, None)
    return render_template("account/recovery_codes.html", codes=codes, first=True)


@bp.post("/two-factor/off")
def two_factor_off():
    if not g.user.two_factor:
        return redirect(url_for("account.index"), 303)
    if two_factor.requirement().applies_to(g.user.role):
        return _page(409, code_errors={"off_code": "Two-factor sign-in is required for your role; "
                                                    "an administrator decides that."})
    try:
        users.check_own_code(g.user, request.form.get("code", ""), request.remote_addr)
    except Invalid as invalid:
        return _page(422, code_errors={"off_code": invalid.errors["code"]})
    two_factor.turn_off(g.user, g.user.name)
    flash("Two-factor sign-in is off. Your recovery codes no longer work.", "success")
    return redirect(url_for("account.index"), 303)


@bp.post("/recovery-codes")
def recovery_codes():
    if not g.user.two_factor:
        return redirect(url_for("account.index"), 303)
    try:
        users.check_own_code(g.user, request.form.get("code", ""), request.remote_addr)
    except Invalid as invalid:
        return _page(422, code_errors={"codes_code": invalid.errors["code"]})
    return render_template("account/recovery_codes.html", codes=two_factor.new_recovery_codes(g.user), first=False)
