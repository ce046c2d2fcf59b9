"""Customer Management: the Flask application factory."""
import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import cli
import jobs
import views
from data.db import db, open_database, release_connections
from data.migrations import migrate


def _instance_secret(instance_path):
    """A per-installation secret kept in the instance folder, made on first start.

    No default secret lives in the code; SECRET_KEY in the environment wins.
    """
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _check_positive(name, value):
    # Read on every request: a typo must stop the start, not fail each page later.
    try:
        if float(value) > 0:
            return
    except (TypeError, ValueError):
        pass
    raise ValueError(f"{name} must be a positive number, not {value!r}")


def create_app(test_config=None):
    # INSTANCE_PATH: where the secret key (and the default SQLite file) live; the
    # one-file install points it at its data folder.
    app = Flask(__name__, instance_relative_config=True, instance_path=os.environ.get("INSTANCE_PATH"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    default_db = "sqlite:///" + os.path.join(app.instance_path, "customers.sqlite3")
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("DATABASE_URL") or default_db,
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        PROXY_COUNT=os.environ.get("PROXY_COUNT", "0"),
        AUTO_MIGRATE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        # A session ends after this long without a request, and this long after sign-in.
        SESSION_IDLE_MINUTES=os.environ.get("SESSION_IDLE_MINUTES", "30"),
        SESSION_MAX_HOURS=os.environ.get("SESSION_MAX_HOURS", "12"),
        # The background queue (jobs.py): Redis when set (several app servers), else a SQLite file.
        REDIS_URL=os.environ.get("REDIS_URL") or None,
        HUEY_FILE=os.environ.get("HUEY_FILE") or None,
        HUEY_NAME=os.environ.get("HUEY_NAME") or None,
        BULK_BATCH_SIZE=os.environ.get("BULK_BATCH_SIZE") or None,
        # Browser imports (/imports): the largest upload, and the folder files wait in for the worker.
        IMPORT_MAX_MB=os.environ.get("IMPORT_MAX_MB") or "512",
        IMPORT_FOLDER=os.environ.get("IMPORT_FOLDER") or None,
        # A checked file nobody imports or discards is deleted after this many days.
        IMPORT_KEEP_DAYS=os.environ.get("IMPORT_KEEP_DAYS") or "7",
    )
    if test_config:
        app.config.from_mapping(test_config)
    for key in ("SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS", "IMPORT_MAX_MB", "IMPORT_KEEP_DAYS"):
        _check_positive(key, app.config[key])
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)

    # Behind N reverse proxies (a load balancer), take the client's address and scheme from
    # their X-Forwarded-* headers; otherwise every sign-in failure would count against the
    # balancer's one address and lock everybody out.
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    open_database(app.config["DATABASE_URL"])
    if app.config["AUTO_MIGRATE"]:
        with db.connection_context():
            migrate()
        # A server may fork workers after this (gunicorn's preload): leave no connection to inherit.
        release_connections()

    # Tests run each task in the request unless they ask for the real queue.
    app.config.setdefault("HUEY_IMMEDIATE", bool(app.config.get("TESTING")))
    jobs.configure(app.config, app.instance_path)
    views.register(app)
    cli.register(app)
    app.cli.add_command(jobs.worker_command)
    return app
