"""Health check, request logs with timing, static caching."""
import logging

from data.db import db


def test_healthz_needs_no_sign_in_and_checks_the_database(anonymous, monkeypatch):
    response = anonymous.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}

    def broken(*args, **kwargs):
        raise RuntimeError("connection refused")

    monkeypatch.setattr(db.obj, "execute_sql", broken)
    response = anonymous.get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "error"


def test_healthz_answers_503_when_no_connection_can_be_made(anonymous, monkeypatch):
    from peewee import OperationalError

    db.close_all()

    def refused(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(db.obj, "_connect", refused)
    response = anonymous.get("/healthz")
    assert response.status_code == 503 and response.get_json() == {"status": "error", "database": "unreachable"}


def test_every_request_is_logged_with_its_time(client, caplog):
    with caplog.at_level(logging.INFO, logger="customers.requests"):
        response = client.get("/customers?q=abc")
    assert response.headers["Server-Timing"].startswith("app;dur=")
    line = [r.getMessage() for r in caplog.records if r.name == "customers.requests"][-1]
    assert line.startswith("GET /customers?q=abc 200 ") and "ms user=admin" in line


def test_static_files_are_cached(anonymous):
    with anonymous.get("/static/vendor/htmx-2.0.11.min.js") as vendored:
        assert vendored.headers["Cache-Control"] == "public, max-age=31536000"
    with anonymous.get("/static/app.css") as own:
        assert own.headers["Cache-Control"] == "public, max-age=3600"
