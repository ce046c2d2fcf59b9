"""flask backup: a consistent copy while the app writes, and restoring from it."""
import sqlite3
import threading

import pytest

from data.db import is_postgres
from data.models import Customer
from tests import factories


def test_backup_while_writing_then_restore(app, runner, tmp_path):
    if is_postgres():
        result = runner.invoke(args=["backup", str(tmp_path / "x")])
        assert result.exit_code == 2 and "pg_dump" in result.output and "pg_restore" in result.output
        return
    for n in range(200):
        factories.customer(f"Before {n:03d}")
    stop = threading.Event()

    def keep_writing():
        n = 0
        while not stop.is_set():
            factories.customer(f"During {n:05d}")
            n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        result = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "To restore" in result.output
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    names = {n for (n,) in copy.execute("SELECT name FROM customer")}
    assert {f"Before {n:03d}" for n in range(200)} <= names
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
