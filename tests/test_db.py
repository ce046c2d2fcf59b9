"""How the app's database connections are set up (SQLite settings, start-up races)."""
import sqlite3
import threading
import time

import pytest

from data import db as database_module
from data.db import db, is_postgres


def test_sqlite_connections_are_set_up_for_concurrent_use(database):
    if is_postgres():
        pytest.skip("SQLite settings")
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 10_000


def test_switching_a_new_file_to_wal_waits_for_another_writer(tmp_path):
    """SQLite answers "database is locked" at once to the switch while another
    connection is writing; the app waits for it instead of failing to start."""
    path = str(tmp_path / "new.sqlite3")
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE t (x)")
    writer.execute("BEGIN IMMEDIATE")  # a writer in its transaction (RESERVED lock)
    writer.execute("INSERT INTO t VALUES (1)")
    released = threading.Timer(0.5, lambda: writer.execute("COMMIT"))
    released.start()
    started = time.monotonic()
    try:
        database_module._use_wal(path, seconds=10)
    finally:
        released.join()
        writer.close()
    assert time.monotonic() - started >= 0.4
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    check.close()


def test_start_up_leaves_no_connection_for_forked_workers(database_url):
    """gunicorn preloads the app (migrations) in the master, then forks: a connection left
    open in the pool would be shared by every worker process."""
    from app import create_app

    create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "x"})
    assert not db.obj._in_use and not db.obj._connections


def test_postgresql_goes_through_psycopg_3(database):
    """psycopg2 is in maintenance only; even when it is installed too, the app uses psycopg 3."""
    if not is_postgres():
        pytest.skip("PostgreSQL driver")
    import psycopg

    assert isinstance(db.connection(), psycopg.Connection)


def test_bulk_insert_stores_many_rows(database):
    """TableRows stores exactly what a save would store, on either driver."""
    from data.bulk import TableRows
    from data.records import CustomerClass

    rows = TableRows(CustomerClass, with_id=False)
    for n in range(2500):
        rows.append({"name": f"Class {n}"})
    rows.write()
    assert CustomerClass.select().count() == 2500
    assert CustomerClass.get(CustomerClass.name == "Class 2499")


def test_vacuum_after_seeding_stays_in_this_schema(database, executed):
    """PostgreSQL: a bare VACUUM would take every schema's tables and wait for their locks."""
    from data.db import is_postgres, refresh_statistics

    refresh_statistics(vacuum=True)
    vacuums = [s for s in executed if s.startswith("VACUUM")]
    if not is_postgres():
        assert not vacuums
        return
    own = {name for (name,) in database.execute_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()}
    assert len(vacuums) == 1 and "customer" in own
    named = {name.strip().strip('"') for name in vacuums[0].removeprefix("VACUUM (ANALYZE) ").split(",")}
    assert named == own


def test_postgresql_plans_a_pattern_for_itself_and_keeps_other_plans(database):
    """psycopg 3 prepares a statement that has run five times, and PostgreSQL may then keep a
    plan made without the values, the pattern of a LIKE guessed rather than weighed: after a
    few longer searches "name contains er" read the trigram index whole (490 ms instead of 90
    at a million customers). A statement with a pattern is never prepared, so each run is
    planned for its own; the others still are (their plans kept: 0.8 ms a page)."""
    if not is_postgres():
        pytest.skip("PostgreSQL's plan cache")
    from data import search
    from data.conditions import build
    from data.listing import Scope
    from data.search import Search

    for n in range(12):
        search.count(Search(Scope("all"), "", (build("name", "contains", f"er{n}x"),)))
        search.count(Search(Scope("all"), "", (build("name", "is", f"er{n}x"),)))
    prepared = [sql for (sql,) in db.execute_sql("SELECT statement FROM pg_prepared_statements").fetchall()]
    assert not [sql for sql in prepared if " LIKE " in sql], prepared
    assert [sql for sql in prepared if "COUNT(*)" in sql], prepared
