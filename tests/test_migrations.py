from data.db import db
from data.migrations import migrate, pending
from data.records import MODELS


def test_schema_matches_models(database):
    for model in MODELS:
        columns = {c.name for c in db.get_columns(model._meta.table_name)}
        fields = {f.column_name for f in model._meta.sorted_fields}
        assert columns == fields, model.__name__


def test_migrations_are_recorded_and_not_repeated(database):
    assert pending() == []
    assert migrate() == []


def test_roles_are_data_not_a_constraint(database):
    """m0010: any role of the permissions table can be stored (the CHECK of m0004 is gone)."""
    from tests.conftest import make_user
    assert make_user("clerk", "billing_clerk").role == "billing_clerk"


def test_the_sqlite_rebuild_keeps_rows_indexes_and_sessions(database, database_url, tmp_path, monkeypatch):
    """The table rebuild of m0010 on a database that has users signed in: nobody is
    signed out, the index and foreign keys are as before, and the old CHECK is gone."""
    import pytest

    from data import migrations, sessions
    from data.db import is_postgres, open_database
    from data.records import User, UserSession
    if is_postgres():
        pytest.skip("PostgreSQL drops the constraint in place")
    everything = migrations._migrations
    try:
        open_database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        monkeypatch.setattr(migrations, "_migrations", lambda: [m for m in everything() if m[0] < 10])
        migrate()
        user = User.create(name="early", role="operator_admin", password_hash="x")
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
