"""Error answers: a page for browsers, a message in the flash area for htmx.

The data layer's exceptions are mapped to status codes here, once: a view
catches one only to answer with something better than this page (a form
re-rendered with its errors, a list row redrawn with the message).
"""
from flask import make_response, render_template, request
from flask_wtf.csrf import CSRFError
from peewee import OperationalError
from werkzeug.exceptions import HTTPException

from data.access import Forbidden
from data.errors import Conflict, Invalid, NotFound, Stale

from .htmx import is_fragment_request

MESSAGES = {
    400: "The request could not be understood.",
    403: "You are not allowed to do that.",
    404: "There is nothing at this address.",
    405: "That action is not available here.",
    409: "The change conflicts with the current state.",
    500: "Something went wrong on our side. Nothing was changed; please try again.",
}


def error_response(code, message):
    if is_fragment_request():
        response = make_response(render_template("_flash.html", messages=[("error", message)]), code)
        # Whatever element asked, the message goes to the page's alert area.
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
        response.headers["HX-Push-Url"] = "false"
        return response
    return make_response(render_template("error.html", code=code, message=message), code)


def conflict_text(error):
    """What a refused change says: a stale version explains itself; a rule names its reasons."""
    if isinstance(error, Stale):
        return error.message
    return error.message + (": " + "; ".join(error.reasons) if error.reasons else "") + "."


def not_found_text():
    """The 404 text of a customer route: the id asked for, whether it never existed or was just deleted."""
    customer_id = (request.view_args or {}).get("customer_id")
    if customer_id is None:
        return MESSAGES[404]
    return f"Customer {customer_id} does not exist (it may have been deleted)."


def register(app):
    @app.errorhandler(NotFound)
    def _not_found(error):
        return error_response(404, not_found_text())

    @app.errorhandler(Conflict)  # Stale too: someone else changed it meanwhile
    def _conflict(error):
        return error_response(409, conflict_text(error))

    @app.errorhandler(Invalid)  # where no form shows the errors beside their fields
    def _invalid(error):
        return error_response(422, "; ".join(error.errors.values()) or MESSAGES[400])

    @app.errorhandler(Forbidden)
    def _forbidden(error):
        return error_response(403, f"{error}. Ask an operator administrator if you need this done.")

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return error_response(400, "This form has expired or did not come from this site. "
                                   "Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def _http(error):
        if error.code < 400:
            return error
        message = MESSAGES.get(error.code, error.description)
        if error.code == 404 and error.description and error.description != error.__class__.description:
            message = error.description
        return error_response(error.code, message)

    @app.errorhandler(OperationalError)
    def _busy(error):
        # SQLite: a write waited the whole busy timeout for the lock an import (or a check)
        # holds for its transaction. The write was rolled back; it works once the import ends.
        if "locked" in str(error):
            return error_response(503, "The database is busy with an import; nothing was changed. "
                                       "Try again in a minute.")
        return _unexpected(error)

    @app.errorhandler(Exception)
    def _unexpected(error):
        app.logger.exception("Unhandled error")
        return error_response(500, MESSAGES[500])
