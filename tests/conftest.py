"""Fixtures in the style of Flask's tutorial: ``app``, ``client``, ``runner``.

The database is SQLite (a file in a temporary folder) unless TEST_DATABASE_URL
points at PostgreSQL; then every run gets a schema of its own, dropped at the end.
Each test starts from empty tables.
"""
import contextlib
import json
import os
import uuid
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from werkzeug.routing import Rule
from werkzeug.security import generate_password_hash

from app import create_app
from data import clock
from data.db import db, is_postgres
from data.records import MODELS, User
from tests import snapshots

PG_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if not PG_URL:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
        return
    with pg_schema() as url:
        yield url


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    # The browser tests of make test's PostgreSQL half (tests/e2e/conftest.py) run last, after
    # pytest has grouped the tests by their session-wide browser parameter: the SQLite half runs
    # its own first, so the two halves never drive a Chromium each at the same time.
    items.sort(key=lambda item: item.get_closest_marker("postgres_half") is not None)  # a stable sort


@contextlib.contextmanager
def pg_schema():
    """A new, empty PostgreSQL schema on TEST_DATABASE_URL: its URL, dropped afterwards."""
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(PG_URL, autocommit=True)
    admin.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in PG_URL else "?"
    # synchronous_commit off: a commit returns before its WAL reaches the disk. Nothing
    # here needs to survive a crash of the server, and the suite commits thousands of
    # times, so its speed stopped depending on how fast the machine's disk syncs.
    options = f"-csearch_path={schema},public -csynchronous_commit=off"
    try:
        yield f"{PG_URL}{separator}options={quote(options)}"
    finally:
        # With the copies tests/snapshots.py kept of this run's tables.
        kept = admin.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"{schema}_kept_%",))
        for name, in kept.fetchall():
            admin.execute(f"DROP SCHEMA {name} CASCADE")
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@contextlib.contextmanager
def database_before(version, database_url, tmp_path, monkeypatch):
    """A database of its own, migrated up to the migration before ``version`` and bound while
    the block runs; it gives the migrations package, whose ``migrate()`` applies the rest.
    The test's database is bound again afterwards."""
    from data import migrations
    from data.db import open_database

    everything = migrations._migrations
    holder = pg_schema() if PG_URL else contextlib.nullcontext(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with holder as url:
        try:
            open_database(url)
            monkeypatch.setattr(migrations, "_migrations", lambda: [m for m in everything() if m[0] < version])
            migrations.migrate()
            monkeypatch.setattr(migrations, "_migrations", everything)
            yield migrations
        finally:
            db.close()
            open_database(database_url)


def _empty_tables():
    tables = [m._meta.table_name for m in reversed(MODELS)]
    with db.connection_context():
        if is_postgres():
            _empty_postgresql_tables()
        else:
            with db.atomic(), _kept_counts_set_aside():
                # RESTRICT is checked row by row in SQLite: unlink owners first.
                db.execute_sql("UPDATE customer SET reseller_id = NULL, distributor_id = NULL")
                for table in tables:
                    db.execute_sql(f"DELETE FROM {table}")
            # Statistics too, as in a new database: an import's ANALYZE of its thousands of
            # rows steered the plans of later tests (test_query_plans.py after test_gram_counts.py).
            if db.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
                db.execute_sql("DELETE FROM sqlite_stat1")
                db.execute_sql("ANALYZE sqlite_schema")  # the planner reads them again


def _empty_postgresql_tables():
    """Empty the tables that hold rows, and restart every table's ids at 1.

    A TRUNCATE of all thirty tables cost 60 ms a test (each table gets new files), a fifth
    of the suite's time on PostgreSQL, and a test writes to a handful of tables. Those are
    emptied with DELETE, their triggers and foreign keys set aside for the transaction
    (session_replication_role: the test role is a superuser); TRUNCATE otherwise.
    """
    used = snapshots.holding_rows()
    if used:
        with db.atomic():
            if snapshots.superuser():
                db.execute_sql("SET LOCAL session_replication_role = replica")
                for table in used:
                    db.execute_sql(f"DELETE FROM {table}")
            else:
                db.execute_sql(f"TRUNCATE {', '.join(used)} CASCADE")
    db.execute_sql("SELECT setval(oid::regclass, 1, false) FROM pg_class "
                   "WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace")


# The kept counts (customer_tally, m0016; customer_gram, m0017) follow every customer row
# through row triggers: emptying the tables row by row through them cost about 7 ms a
# customer, most of the suite's time on SQLite. Between tests they are emptied wholesale
# instead, their triggers set aside meanwhile and put back as they were.
_KEPT_COUNTS = ("customer_tally", "customer_gram")


@contextlib.contextmanager
def _kept_counts_set_aside():
    if not db.execute_sql("SELECT EXISTS (SELECT 1 FROM customer)").fetchone()[0]:
        yield
        return
    triggers = db.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND "
                              "(name LIKE 'customer_tally%' OR name LIKE 'customer_search_gram%')").fetchall()
    for name, _ in triggers:
        db.execute_sql(f'DROP TRIGGER "{name}"')
    yield
    for table in _KEPT_COUNTS:
        db.execute_sql(f"DELETE FROM {table}")
    for _, sql in triggers:
        db.execute_sql(sql)


class ReadingClient(FlaskClient):
    """A test client that reads every answer to its end and closes it, as a browser or
    gunicorn does. Flask's own leaves a streamed body unread and unclosed until garbage
    collection: a CSV export's open PostgreSQL transaction then outlived its test, and
    dropping the test schema waited for it for ever. ``buffered=False`` to look at a stream.
    """

    def open(self, *args, buffered=True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


class CompiledTemplates(BytecodeCache):
    """Compiled templates kept for the whole run, shared by every test's new app.

    Each app has a Jinja environment of its own, which compiled every template a test rendered
    anew: half the time of an HTTP test. Jinja's bytecode cache is made for sharing its
    compiled code between environments; this one keeps it in memory, and a template whose
    source changed (its checksum) is compiled again.
    """

    def __init__(self):
        self.code = {}

    def load_bytecode(self, bucket):
        checksum, code = self.code.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = (bucket.checksum, bucket.code)


COMPILED_TEMPLATES = CompiledTemplates()


@pytest.fixture(scope="session", autouse=True)
def url_builders_compiled_once():
    """Each URL rule's builder compiled once for the whole run, not once for each test's app.

    Werkzeug writes and compiles two Python functions for every rule an app adds: some 60 ms
    for this app's rules, a quarter of a typical HTTP test. A builder depends only on its rule's
    text, parsed parts and defaults (the rule is its ``self`` when called), and every test's app
    has the same rules, so the functions are kept by those.
    """
    compile_builder = Rule._compile_builder
    builders = {}

    def compiled_once(rule, append_unknown=True):
        key = (rule.rule, tuple(rule._trace), repr(list((rule.defaults or {}).items())), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", compiled_once)
        yield


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret"})
    app.test_client_class = ReadingClient
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    _empty_tables()
    yield app
    clock.freeze(None)
    if not db.is_closed():
        db.close()


# Hashing is deliberately slow; hash the test password once for the whole run.
TEST_PASSWORD = "test password, long enough"
_HASH = generate_password_hash(TEST_PASSWORD)


def make_user(name="admin", role="operator_admin", owner=None):
    return User.create(name=name, role=role, owner=owner, password_hash=_HASH)


def sign_in(client, user):
    """Put ``user`` in the client's session, as a successful sign-in does (no form, no hashing).
    ``sign_in_by_form`` goes through the sign-in page."""
    from data import sessions
    from views.auth import SESSION_KEY

    token = sessions.start(user.id)
    with client.session_transaction() as session:
        session[SESSION_KEY] = token
    return client


@pytest.fixture
def anonymous(app):
    """A client nobody signed in with."""
    return app.test_client()


@pytest.fixture
def client(app):
    """A client signed in as an operator administrator ("admin")."""
    return sign_in(app.test_client(), make_user())


@pytest.fixture
def token(client):
    """The signed-in client's CSRF token, for form posts."""
    return csrf_token(client)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def executed(database, monkeypatch):
    """Every SQL statement the database runs from now on, in order (for "one query" checks)."""
    statements = []
    real = type(database.obj).execute_sql

    def spy(self, sql, *args, **kwargs):
        statements.append(sql)
        return real(self, sql, *args, **kwargs)

    monkeypatch.setattr(type(database.obj), "execute_sql", spy)
    return statements


@pytest.fixture
def database(app):
    """The database, for tests that call ``data/`` directly (Peewee connects on use)."""
    yield db
    if not db.is_closed():
        db.close()


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def analyze(sqlite_table=None):
    """Planner statistics for the tests' tables. PostgreSQL: this run's schema's tables, never a
    bare ANALYZE, which reads every schema of the database (other runs', other applications')
    and made the suite's plan tests minutes slower beside a large one. SQLite: ``sqlite_table``,
    or the whole file."""
    if is_postgres():
        tables = [f'"{name}"' for name, in db.execute_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()]
        db.execute_sql(f"ANALYZE {', '.join(tables)}")
    else:
        db.execute_sql(f"ANALYZE {sqlite_table}" if sqlite_table else "ANALYZE")


HTMX = {"HX-Request": "true"}


def csrf_token(client, path=None, **request):
    """The session's CSRF token, read from the page at ``path`` as htmx reads it: every
    page (the sign-in page too) carries it in ``<body data-hx-headers>``. By default the
    signed-in user's own account page: the customer list, read for this before every
    write of the suite, had become most of the access matrix's time (and answers a user
    with a landing view with a redirect)."""
    response = client.get(path or "/account", **request)
    if path is None and response.status_code != 200:
        response = client.get("/customers", **request)
    page = soup(response)
    return json.loads(page.body["data-hx-headers"])["X-CSRFToken"]


def csrf_headers(client):
    """Headers carrying the CSRF token, as htmx sends them (from <body data-hx-headers>)."""
    return {"X-CSRFToken": csrf_token(client), **HTMX}


def sign_in_by_form(client, name="admin", password=TEST_PASSWORD, address="10.0.0.1", next_url=None, headers=None):
    """Sign in through the sign-in page, as a person does, from ``address``; the answer (303 when it worked)."""
    data = {"csrf_token": csrf_token(client, "/sign-in"), "name": name, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/sign-in", data=data, environ_base={"REMOTE_ADDR": address}, headers=headers)


def sign_out(client):
    """Sign out with the page's Sign out button."""
    form = soup(client.get("/customers")).select_one("form.sign-out")
    assert client.post(form["action"], data={"csrf_token": form.find("input")["value"]}).status_code == 303


def fresh(record):
    """``record`` as the database has it now."""
    return type(record).get_by_id(record.id)
