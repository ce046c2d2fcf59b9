"""flask backup: a consistent copy while the app writes, and restoring from it."""
import contextlib
import os
import shutil
import sqlite3
import subprocess
import threading
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from data import migrations
from data.backup import PG_DUMP_HELP
from data.db import db, is_postgres
from data.models import Customer
from tests import factories
from tests.conftest import PG_URL, make_user, sign_in, soup


@contextlib.contextmanager
def customers_being_added():
    """Another thread keeps adding customers while the block runs (as a live app would);
    the block starts once the writer has committed a few, so it really overlaps writing."""
    stop, going = threading.Event(), threading.Event()

    def keep_writing():
        n = 0
        while not stop.is_set():
            factories.customer(f"During {n:05d}")
            n += 1
            if n == 5:
                going.set()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        assert going.wait(30), "the writer thread did not get going"
        yield
    finally:
        stop.set()
        writer.join()


def test_backup_while_writing_then_restore(app, runner, tmp_path):
    if is_postgres():
        result = runner.invoke(args=["backup", str(tmp_path / "x")])
        assert result.exit_code == 2 and "pg_dump" in result.output and "pg_restore" in result.output
        return
    for n in range(200):
        factories.customer(f"Before {n:03d}")
    with customers_being_added():
        result = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    assert result.exit_code == 0, result.output
    assert "To restore" in result.output
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    names = {n for (n,) in copy.execute("SELECT name FROM customer")}
    assert {f"Before {n:03d}" for n in range(200)} <= names
    assert {f"During {n:05d}" for n in range(5)} <= names  # taken while the app was writing
    # Every customer in the copy has its search row: one snapshot, not a torn copy.
    assert copy.execute("SELECT COUNT(*) FROM customer").fetchone() == copy.execute(
        "SELECT COUNT(*) FROM customer_search").fetchone()
    copy.close()
    assert not (tmp_path / "copy.sqlite3.partial").exists()

    # Restore = point the app at the copy: it opens, migrates (nothing to do) and serves it.
    from app import create_app
    restored = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'copy.sqlite3'}",
                           "SECRET_KEY": "x"})
    with restored.app_context():
        assert Customer.select().where(Customer.name == "Before 000").exists()


@pytest.mark.parametrize("bad", ["/nonexistent-dir/copy.sqlite3"])
def test_backup_to_an_impossible_place_fails_cleanly(runner, bad):
    if is_postgres():
        pytest.skip("PostgreSQL backups are pg_dump's")
    result = runner.invoke(args=["backup", bad])
    assert result.exit_code == 1 and "No backup written" in result.output


def _run_documented(command, url):
    """One of the commands `flask backup` prints on PostgreSQL, run as printed."""
    line = next(line.strip() for line in PG_DUMP_HELP.splitlines() if line.strip().startswith(command))
    return subprocess.run(["bash", "-c", line], env={**os.environ, "DATABASE_URL": url},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not PG_URL, reason="the PostgreSQL procedure needs TEST_DATABASE_URL")
@pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump is not installed")
def test_postgresql_dump_while_writing_then_restore_into_an_empty_database(tmp_path, monkeypatch):
    """The whole database, as an installation has it: pg_trgm, indexes, history and all."""
    import psycopg

    from app import create_app

    admin = psycopg.connect(PG_URL, autocommit=True)
    names = [f"backup_{uuid.uuid4().hex[:8]}_{side}" for side in ("live", "restored")]
    urls = [urlunsplit(urlsplit(PG_URL)._replace(path="/" + name)) for name in names]
    for name in names:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        live = create_app({"TESTING": True, "DATABASE_URL": urls[0], "SECRET_KEY": "x"})
        with live.app_context():
            for n in range(200):
                factories.customer(f"Before {n:03d}", address=f"{n} Hammersmith Road")
        monkeypatch.chdir(tmp_path)  # the dump file lands here
        with customers_being_added():
            dumped = _run_documented("pg_dump", urls[0])
        assert dumped.returncode == 0, dumped.stderr
        db.close_all()

        restored = _run_documented("pg_restore", urls[1])
        assert restored.returncode == 0, restored.stderr
        app = create_app({"TESTING": True, "DATABASE_URL": urls[1], "SECRET_KEY": "x"})
        with app.app_context():
            assert Customer.select().where(Customer.name.startswith("Before ")).count() == 200
            assert Customer.select().where(Customer.name.in_([f"During {n:05d}" for n in range(5)])).count() == 5
            # One snapshot: every customer has its search row, and substring search still works.
            assert Customer.select().count() == db.execute_sql("SELECT COUNT(*) FROM customer_search").fetchone()[0]
            assert migrations.pending() == []
            client = sign_in(app.test_client(), make_user())
            page = soup(client.get("/customers?scope=all&flt0_address_contains=hammersmith&per_page=200"))
            assert len(page.select("tbody tr")) == 200
        db.close_all()
    finally:
        for name in names:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def test_backup_keeps_an_existing_file_unless_forced(runner, tmp_path):
    if is_postgres():
        pytest.skip("PostgreSQL backups are pg_dump's")
    factories.customer("Kept")
    target = tmp_path / "copy.sqlite3"
    target.write_bytes(b"yesterday's good copy")
    refused = runner.invoke(args=["backup", str(target)])
    assert refused.exit_code == 1 and "exists already" in refused.output and "--force" in refused.output
    assert target.read_bytes() == b"yesterday's good copy"
    assert not (tmp_path / "copy.sqlite3.partial").exists()
    forced = runner.invoke(args=["backup", "--force", str(target)])
    assert forced.exit_code == 0, forced.output
    assert "pages" not in forced.output and " MB)" in forced.output
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT name FROM customer").fetchall() == [("Kept",)]
    copy.close()
