"""Response headers every page gets, and the one check every request's input gets."""
from flask import g, request

from .errors import error_response

# htmx is configured (meta htmx-config) to need neither inline scripts, eval
# nor its injected indicator <style>, so the policy can stay strict.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")


def register(app):
    @app.before_request
    def _no_nul_characters():
        # No text a person types contains NUL, and PostgreSQL cannot store or even compare
        # it ("a string literal cannot contain NUL"): refuse it once, here, for every field.
        values = list(request.args.values()) + list(request.form.values())
        if any("\x00" in value for value in values):
            return error_response(400, "The request contains a NUL character, which no field accepts.")
        return None

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # What a signed-in user sees (customers, balances, the CSV) must not stay in a
        # browser's or proxy's cache for the next person at that machine.
        if g.get("user") is not None and request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        # Pages and fragments share URLs; caches must keep them apart.
        response.vary.add("HX-Request")
        response.vary.add("HX-History-Restore-Request")
        return response
