"""Response headers every page gets."""

# htmx is configured (meta htmx-config) to need neither inline scripts, eval
# nor its injected indicator <style>, so the policy can stay strict.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")


def register(app):
    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Pages and fragments share URLs; caches must keep them apart.
        response.vary.add("HX-Request")
        response.vary.add("HX-History-Restore-Request")
        return response
