
import pytest

from data.db import db, is_postgres, open_database
from data.migrations import migrate, pending
from data.records import MODELS
from tests.conftest import database_before


def test_schema_matches_models(database):
    for model in MODELS:
        columns = {c.name for c in db.get_columns(model._meta.table_name)}
        fields = {f.column_name for f in model._meta.sorted_fields}
        assert columns == fields, model.__name__


def test_migrations_are_recorded_and_not_repeated(database):
    assert pending() == []
    assert migrate() == []


def test_a_start_with_nothing_pending_waits_for_no_writer(database, database_url, executed):
    """Every server and command start migrates: with nothing pending, that is two reads, and
    (SQLite) an import holding the write lock does not hold the start up."""
    if is_postgres():
        migrate()
        assert not [sql for sql in executed if "pg_advisory_xact_lock" in sql]
        return
    import sqlite3
    import time
    writer = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        assert migrate() == []
        assert time.monotonic() - started < 1  # not the 10 s busy timeout
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_roles_are_data_not_a_constraint(database):
    """m0010: any role of the permissions table can be stored (the CHECK of m0004 is gone)."""
    from tests.conftest import make_user
    assert make_user("clerk", "billing_clerk").role == "billing_clerk"


def test_the_sqlite_rebuild_keeps_rows_indexes_and_sessions(database, database_url, tmp_path, monkeypatch):
    """The table rebuild of m0010 on a database that has users signed in: nobody is
    signed out, the index and foreign keys are as before, and the old CHECK is gone."""
    import pytest

    from data import migrations, sessions
    from data.db import is_postgres
    from data.records import User, UserSession
    if is_postgres():
        pytest.skip("PostgreSQL drops the constraint in place")
    everything = migrations._migrations
    try:
        open_database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        monkeypatch.setattr(migrations, "_migrations", lambda: [m for m in everything() if m[0] < 10])
        migrate()
        # Raw SQL: the model has the columns of later migrations (m0015), this schema not yet.
        db.execute_sql("INSERT INTO app_user (name, role, password_hash, created_at) "
                       "VALUES ('early', 'operator_admin', 'x', '2026-01-01 00:00:00')")
        user = User.select(User.id).where(User.name == "early").get()
        token = sessions.start(user.id)
        monkeypatch.setattr(migrations, "_migrations", everything)
        assert "m0010_roles_as_data" in migrate()
        assert sessions.resume(token).name == "early"  # still signed in
        assert UserSession.select().where(UserSession.user == user.id).count() == 1
        assert User.get_by_id(user.id).name == "early"
        indexes = {row[1] for row in db.execute_sql("PRAGMA index_list(app_user)").fetchall()}
        assert "app_user_owner" in indexes
        assert db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
        assert "CHECK" not in db.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'app_user'").fetchone()[0]
        assert User.create(name="clerk", role="billing_clerk", password_hash="x").role == "billing_clerk"
    finally:
        db.close()
        open_database(database_url)


@pytest.fixture
def before_status_codes(database, database_url, tmp_path, monkeypatch):
    """A database of its own migrated up to m0010, when the status was stored as its
    priority; the test's database is bound again afterwards."""
    with database_before(11, database_url, tmp_path, monkeypatch):
        yield


def _insert_old_customer(name, status=None):
    columns, values = ["name", "currency", "created_at"], [name, "USD", "2026-01-01 00:00:00"]
    if status is not None:
        columns.append("status")
        values.append(status)
    marks = ", ".join(db.param for _ in values)
    db.execute_sql(f"INSERT INTO customer ({', '.join(columns)}) VALUES ({marks})", values)


def test_m0011_turns_stored_priorities_into_codes(before_status_codes, monkeypatch):
    """Every priority the old schema stored becomes its code; the default becomes 'active';
    the status index is rebuilt on the severity and sorts by it."""
    from data.migrations.m0011_status_codes import STORED
    from data.models import Customer
    from data.status import BY_CODE, severity, severity_sql
    for priority in STORED:
        _insert_old_customer(f"c{priority}", priority)
    _insert_old_customer("by default")  # the old default, 11
    sent, real = [], type(db.obj).execute_sql

    def spy(self, sql, *args, **kwargs):
        sent.append((sql, db.in_transaction()))
        return real(self, sql, *args, **kwargs)

    monkeypatch.setattr(type(db.obj), "execute_sql", spy)
    assert "m0011_status_codes" in migrate()
    monkeypatch.setattr(type(db.obj), "execute_sql", real)

    stored = dict(db.execute_sql("SELECT name, status FROM customer").fetchall())
    assert stored == {**{f"c{p}": code for p, code in STORED.items()}, "by default": "active"}
    # The frozen numbering is the table's (until a status is added; then only the table moves).
    assert all(BY_CODE[code].priority == p for p, code in STORED.items())
    _insert_old_customer("new row")
    assert Customer.get(Customer.name == "new row").status == "active"
    by_severity = Customer.select(Customer.name).order_by(severity(Customer.status), Customer.id)
    assert [c.name for c in by_severity][:11] == [f"c{p}" for p in sorted(STORED)]
    if is_postgres():
        (kind,) = db.execute_sql("SELECT data_type FROM information_schema.columns WHERE table_schema = "
                                 "current_schema() AND table_name = 'customer' AND column_name = 'status'").fetchone()
        assert kind == "character varying"
        (definition,) = db.execute_sql("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                                       "AND indexname = 'customer_status'").fetchone()
        assert "CASE" in definition and definition.endswith("status, id)")
        # Vacuumed after the rewrite (after its commit: VACUUM cannot run in a transaction),
        # so index-only scans need not read the table. (Whether pages end up all-visible
        # depends on other sessions' snapshots: the statement is what is checked.)
        assert ("VACUUM (ANALYZE) customer", False) in sent
    else:
        types = {row[1]: row[2] for row in db.execute_sql("PRAGMA table_info(customer)").fetchall()}
        assert types["status"] == "VARCHAR(40)"
        (definition,) = db.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'customer_status'").fetchone()
        assert f"(({severity_sql()}), status, id)" in definition
        assert db.execute_sql("PRAGMA foreign_key_check").fetchall() == []


def test_m0011_stops_on_a_value_that_is_no_status(before_status_codes):
    """An unknown stored value is not turned into NULL or 'active': nothing is changed."""
    from data.migrations import applied_versions
    _insert_old_customer("known", 2)
    _insert_old_customer("odd", 42)
    with pytest.raises(RuntimeError, match="42"):
        migrate()
    assert 11 not in applied_versions()
    assert dict(db.execute_sql("SELECT name, status FROM customer").fetchall()) == {"known": 2, "odd": 42}


@pytest.fixture
def before_users_in_the_app(database, database_url, tmp_path, monkeypatch):
    """A database of its own migrated up to m0014 (before m0015); the test's database is bound again afterwards."""
    with database_before(15, database_url, tmp_path, monkeypatch):
        yield


def test_m0015_keeps_users_and_their_sessions(before_users_in_the_app):
    """Existing users get the new columns' defaults (enabled, no forced password change, no
    two-factor sign-in), keep their sessions, and lose only the unused session_version."""
    from data import sessions
    from data.records import User
    db.execute_sql("INSERT INTO app_user (name, role, password_hash, session_version, created_at) "
                   "VALUES ('early', 'operator_admin', 'x', 3, '2026-01-01 00:00:00')")
    token = sessions.start(User.select(User.id).where(User.name == "early").get().id)
    assert "m0015_users_and_two_factor" in migrate()
    user = User.get(User.name == "early")
    assert (user.disabled_at, user.must_change_password, user.totp_secret, user.last_sign_in_at) == (
        None, False, None, None)
    assert sessions.resume(token).name == "early"
    assert "session_version" not in {c.name for c in db.get_columns("app_user")}
