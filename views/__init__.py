"""HTTP layer: blueprints, request hooks, error pages and template helpers."""
from flask import redirect, request, url_for
from flask_wtf.csrf import CSRFProtect

from data.db import db

from . import (
    account,
    activity,
    auth,
    bulk,
    classes,
    columns_page,
    customers,
    errors,
    export,
    formatting,
    imports,
    list_heads,
    list_row,
    ops,
    related,
    saved_views,
    security,
    users,
)

csrf = CSRFProtect()


def register(app):
    csrf.init_app(app)
    app.session_interface = auth.SessionInterface()
    app.register_blueprint(auth.bp)
    app.register_blueprint(ops.bp)
    ops.register(app)
    app.register_blueprint(bulk.bp)
    app.register_blueprint(customers.bp)
    app.register_blueprint(related.bp)
    app.register_blueprint(export.bp)
    app.register_blueprint(users.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(activity.bp)
    app.register_blueprint(classes.bp)
    # Saved views and column choices of the customer list (issue 13).
    app.register_blueprint(saved_views.bp)
    app.register_blueprint(columns_page.bp)
    app.register_blueprint(imports.bp)
    # The upload checks its CSRF token itself, once its size limit and file storage are set.
    csrf.exempt(imports.upload)
    formatting.register(app)
    list_heads.register(app)
    list_row.register(app)
    security.register(app)
    errors.register(app)

    @app.before_request
    def _connect():
        # The health check connects by itself, so that a database that is down is its 503, not a 500.
        if request.endpoint != "ops.healthz":
            db.connect(reuse_if_open=True)

    app.before_request(auth.load_user)

    @app.teardown_request
    def _close(_exc):
        # Flask tears a request down when its view returns, and again when a streamed body
        # ends. A CSV export has read its first batch by then and keeps its transaction (a
        # PostgreSQL cursor) open for the rest of the stream: leave the connection to it;
        # the teardown at the stream's end closes it.
        if not db.is_closed() and not db.in_transaction():
            db.close()

    @app.get("/")
    def home():
        return redirect(url_for("customers.index"))
