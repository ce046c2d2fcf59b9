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


class TargetExists(Exception):
    """The target file exists and overwriting it was not asked for."""


def backup(target, overwrite=False):
    """Copy the SQLite database to ``target`` with SQLite's online backup API.

    The copy is one consistent snapshot even while the app writes; it is made
    next to the target and moved into place, so a half-written file never has
    the target's name. An existing ``target`` is kept (``TargetExists``) unless
    ``overwrite``: it may be the only good copy someone has. Returns the size
    of the copy in bytes.
    """
    if is_postgres():
        raise BackupNotHere(PG_DUMP_HELP)
    target = Path(target)
    if target.exists() and not overwrite:
        raise TargetExists(f"{target} exists already")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    destination = sqlite3.connect(partial)
    try:
        with destination:
            db.connection().backup(destination, pages=4096)
        if destination.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise RuntimeError("the copy failed its integrity check")
        # A standalone file: no WAL to carry around.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()
    if overwrite:
        os.replace(partial, target)
    else:
        # link() refuses an existing name, so a file that appeared meanwhile is kept too.
        try:
            os.link(partial, target)
        except FileExistsError:
            raise TargetExists(f"{target} exists already") from None
        except OSError:  # no hard links on this file system (some network shares)
            if target.exists():
                raise TargetExists(f"{target} exists already") from None
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return target.stat().st_size
