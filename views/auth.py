"""Sign-in, sign-out, and who is asking: every page but these needs a signed-in user."""
from datetime import timedelta

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from data import sessions, users

from .htmx import is_fragment_request, safe_back

bp = Blueprint("auth", __name__)
PUBLIC = {"auth.sign_in", "auth.sign_in_post", "static", "ops.healthz"}
# The one thing the signed cookie carries about who is signed in: the session's token.
SESSION_KEY = "sid"


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


def load_user():
    """Before each request: the signed-in user (if the session is still valid)."""
    g.user = g.viewer = None
    token = session.get(SESSION_KEY)
    if token is not None:
        user = sessions.resume(token, **_lifetimes())
        if user is None:
            session.pop(SESSION_KEY)  # ended: sign-out elsewhere, timeout, new password
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
    return None


@bp.get("/sign-in")
def sign_in():
    return render_template("sign_in.html", next=_safe_next(request.args.get("next")), error=None, name="")


@bp.post("/sign-in")
def sign_in_post():
    name = request.form.get("name", "")
    try:
        user = users.authenticate(name, request.form.get("password", ""), request.remote_addr)
    except users.SignInRefused as refused:
        return render_template("sign_in.html", next=_safe_next(request.form.get("next")), error=refused.message,
                               name=name), 401
    start_session(user)
    return redirect(_safe_next(request.form.get("next")), 303)


@bp.post("/sign-out")
def sign_out():
    sessions.end(session.get(SESSION_KEY))
    session.clear()
    return redirect(url_for("auth.sign_in"), 303)
