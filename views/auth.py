"""Sign-in, sign-out, and who is asking: every page but these needs a signed-in user."""
from flask import Blueprint, g, make_response, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from data import users
from data.records import User

from .htmx import is_fragment_request, safe_back

bp = Blueprint("auth", __name__)
PUBLIC = {"auth.sign_in", "auth.sign_in_post", "static", "ops.healthz"}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        return app.config["SESSION_COOKIE_SECURE"] or request.is_secure


def _safe_next(value):
    return safe_back(value, prefix="/")


def load_user():
    """Before each request: the signed-in user (if the session is still valid)."""
    g.user = g.viewer = None
    user_id = session.get("user_id")
    if user_id is not None:
        user = User.get_or_none(User.id == user_id)
        if user is not None and user.session_version == session.get("session_version"):
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
    session.clear()
    session["user_id"] = user.id
    session["session_version"] = user.session_version
    return redirect(_safe_next(request.form.get("next")), 303)


@bp.post("/sign-out")
def sign_out():
    session.clear()
    return redirect(url_for("auth.sign_in"), 303)
