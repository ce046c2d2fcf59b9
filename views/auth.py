"""Sign-in, sign-out, and who is asking: every page but these needs a signed-in user.

Signing in is one step (the password) or two (then a code from the user's
authenticator app, or a recovery code) when the user has two-factor sign-in. Between
the steps the browser's signed cookie carries only who passed the first step and
when; no session exists until the second step is done. A user who must first
choose a new password, or set up two-factor sign-in, is sent there from every page.
"""
from datetime import datetime, timedelta

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from data import clock, sessions, two_factor, users
from data.records import User

from .htmx import is_fragment_request, safe_back

bp = Blueprint("auth", __name__)
PUBLIC = {"auth.sign_in", "auth.sign_in_post", "auth.sign_in_code", "auth.sign_in_code_post",
          "static", "ops.healthz"}
# What a user who must first change the password, or set up two-factor sign-in, may still open.
FIRST_PASSWORD = {"account.index", "account.password", "auth.sign_out", "static"}
FIRST_TWO_FACTOR = {"account.two_factor_setup", "account.two_factor_confirm", "auth.sign_out", "static"}
# The one thing the signed cookie carries about who is signed in: the session's token.
SESSION_KEY = "sid"
# Between the password and the code: who, since when, and where to go afterwards.
PENDING_KEY = "pending_sign_in"
PENDING_FOR = timedelta(minutes=5)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        return app.config["SESSION_COOKIE_SECURE"] or request.is_secure


def _safe_next(value):
    return safe_back(value, prefix="/")


def _lifetimes():
    config = current_app.config
    return {"idle": timedelta(minutes=float(config["SESSION_IDLE_MINUTES"])),
            "max_age": timedelta(hours=float(config["SESSION_MAX_HOURS"]))}


def start_session(user):
    """Sign ``user`` in on this browser: a new session, nothing kept from before (no fixation)."""
    session.clear()
    session[SESSION_KEY] = sessions.start(user.id, max_age=_lifetimes()["max_age"])


def _send_to(endpoint):
    target = url_for(endpoint)
    if is_fragment_request():
        response = make_response("", 403)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def load_user():
    """Before each request: the signed-in user (if the session is still valid)."""
    g.user = g.viewer = None
    token = session.get(SESSION_KEY)
    if token is not None:
        user = sessions.resume(token, **_lifetimes())
        if user is None:
            session.pop(SESSION_KEY)  # ended: sign-out elsewhere, timeout, new password, disabled
        else:
            g.user = user
            g.viewer = users.viewer_for(user)
    if g.user is None and request.endpoint not in PUBLIC:
        target = url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None)
        if is_fragment_request():
            response = make_response("", 401)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target)
    if g.user is not None and request.endpoint not in PUBLIC:
        if g.user.must_change_password and request.endpoint not in FIRST_PASSWORD:
            return _send_to("account.index")
        if (not g.user.must_change_password and request.endpoint not in FIRST_TWO_FACTOR
                and two_factor.must_enrol(g.user)):
            return _send_to("account.two_factor_setup")
    return None


def _agent():
    return request.headers.get("User-Agent", "")


@bp.get("/sign-in")
def sign_in():
    return render_template("sign_in.html", next=_safe_next(request.args.get("next")), error=None, name="")


@bp.post("/sign-in")
def sign_in_post():
    name = request.form.get("name", "")
    next_url = _safe_next(request.form.get("next"))
    try:
        user = users.authenticate(name, request.form.get("password", ""), request.remote_addr, _agent())
    except users.SignInRefused as refused:
        return render_template("sign_in.html", next=next_url, error=refused.message, name=name), 401
    if user.two_factor:
        session.clear()
        session[PENDING_KEY] = {"user": user.id, "at": clock.utcnow().isoformat(), "next": next_url}
        return redirect(url_for("auth.sign_in_code"), 303)
    start_session(user)
    return redirect(next_url, 303)


def _pending_user():
    """The user who gave the right password in this browser less than PENDING_FOR ago, or None."""
    pending = session.get(PENDING_KEY)
    try:
        started = datetime.fromisoformat(pending["at"])
        user = User.get_or_none(User.id == int(pending["user"]))
    except (TypeError, KeyError, ValueError):
        return None
    if user is None or not user.two_factor or clock.utcnow() - started > PENDING_FOR:
        return None
    return user


def _expired():
    session.pop(PENDING_KEY, None)
    return render_template("sign_in.html", next=_safe_next(None), name="",
                           error="The sign-in took too long or was not started here. Sign in again."), 401


@bp.get("/sign-in/code")
def sign_in_code():
    user = _pending_user()
    if user is None:
        return _expired()
    return render_template("sign_in_code.html", user=user, error=None)


@bp.post("/sign-in/code")
def sign_in_code_post():
    user = _pending_user()
    if user is None:
        return _expired()
    try:
        users.check_code(user, request.form.get("code", ""), request.remote_addr, _agent())
    except users.SignInRefused as refused:
        return render_template("sign_in_code.html", user=user, error=refused.message), 401
    next_url = _safe_next(session[PENDING_KEY].get("next"))
    start_session(user)
    return redirect(next_url, 303)


@bp.post("/sign-out")
def sign_out():
    sessions.end(session.get(SESSION_KEY))
    session.clear()
    return redirect(url_for("auth.sign_in"), 303)
