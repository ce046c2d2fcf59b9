"""Error answers: a page for browsers, a message in the flash area for htmx."""
from flask import make_response, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from data.access import Forbidden

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


def register(app):
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

    @app.errorhandler(Exception)
    def _unexpected(error):
        app.logger.exception("Unhandled error")
        return error_response(500, MESSAGES[500])
