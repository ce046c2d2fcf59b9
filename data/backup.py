"""Consistent copies of the database while the app keeps running."""
import os
import sqlite3
from pathlib import Path

from .db import db, is_postgres

PG_DUMP_HELP = (
    "This installation uses PostgreSQL, which makes its own consistent online copies:\n"
    "  pg_dump --format=custom --file=customers.dump \"$DATABASE_URL\"\n"
    "and restores them into an empty database with:\n"
    "  pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" customers.dump\n"
    "(pg_dump takes a snapshot, so the app can keep serving while it runs.)"
)


class BackupNotHere(Exception):
    """The backend makes its own backups (PostgreSQL: pg_dump)."""


def backup(target):
    """Copy the SQLite database to ``target`` with SQLite's online backup API.

    The copy is one consistent snapshot even while the app writes; it is made
    next to the target and renamed into place, so a half-written file never has
    the target's name. Returns the number of pages copied.
    """
    if is_postgres():
        raise BackupNotHere(PG_DUMP_HELP)
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    destination = sqlite3.connect(partial)
    try:
        with destination:
            db.connection().backup(destination, pages=4096)
        pages = destination.execute("PRAGMA page_count").fetchone()[0]
        if destination.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise RuntimeError("the copy failed its integrity check")
        # A standalone file: no WAL to carry around.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()
    os.replace(partial, target)
    return pages
