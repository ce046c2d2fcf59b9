"""Operations: the health check, request logs with timing, static file caching."""
import logging
import time

from flask import Blueprint, g, jsonify, request

from data.db import ping

bp = Blueprint("ops", __name__)
log = logging.getLogger("customers.requests")
# Vendored files carry their version in the name, so browsers may keep them for a year.
LONG = 365 * 24 * 3600
SHORT = 3600


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not (for load balancers and monitors)."""
    try:
        ping()
    except Exception as error:  # any database failure means "unhealthy", never a 500 page
        log.warning("health check failed: %s", error)
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


def register(app):
    @app.before_request
    def _start_timer():
        g.started = time.perf_counter()

    @app.after_request
    def _log(response):
        started = g.get("started")
        if started is not None:
            ms = (time.perf_counter() - started) * 1000
            user = g.viewer.name if g.get("viewer") else "-"
            log.info("%s %s %s %.1fms user=%s", request.method, request.full_path.rstrip("?"),
                     response.status_code, ms, user)
            response.headers["Server-Timing"] = f"app;dur={ms:.1f}"
        return response

    def max_age(filename):
        return LONG if filename and filename.startswith("vendor/") else SHORT

    app.get_send_file_max_age = max_age
