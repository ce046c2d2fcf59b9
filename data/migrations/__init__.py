"""Numbered schema migrations, applied in order and recorded in ``schema_migration``.

Each module ``mNNNN_<what>.py`` holds ``STATEMENTS``: SQL written once for both
backends, with ``{placeholders}`` for the few types that differ, or a dict of
lists keyed ``sqlite`` / ``postgresql`` where the mechanisms differ. A migration is
applied in one transaction; a database is never dropped and recreated. Optional
``AFTER_COMMIT``: callables run after that transaction (a VACUUM, say).
"""
import importlib
import pkgutil

from peewee import Table

from ..clock import utcnow
from ..db import db, is_postgres

_ledger = Table("schema_migration", ("version", "name", "applied_at")).bind(db)

DIALECTS = {
    "sqlite": {
        "pk": "INTEGER PRIMARY KEY",
        "bigint": "INTEGER",
        "bool": "INTEGER",
        "false": "0",
        "true": "1",
        "ts": "DATETIME",
        # Folded copies are already lower case; NOCASE lets SQLite's LIKE use
        # the index for prefixes (its LIKE is case-insensitive for ASCII).
        "folded": "TEXT NOT NULL DEFAULT '' COLLATE NOCASE",
    },
    "postgresql": {
        "pk": "BIGSERIAL PRIMARY KEY",
        "bigint": "BIGINT",
        "bool": "BOOLEAN",
        "false": "false",
        "true": "true",
        "ts": "TIMESTAMP",
        # Byte order, as SQLite sorts: the database's own collation is not ours to pick.
        "folded": "TEXT COLLATE \"C\" NOT NULL DEFAULT ''",
    },
}


def _migrations():
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            found.append((int(info.name[1:5]), info.name))
    return sorted(found)


def dialect():
    return "postgresql" if is_postgres() else "sqlite"


def _lock():
    # Two app processes starting together must not both run a migration.
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(727100)")


def applied_versions():
    """Version numbers already applied to the bound database."""
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS schema_migration ("
        " version INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL,"
        " applied_at VARCHAR(30) NOT NULL)")
    return _versions_in_ledger()


def _versions_in_ledger():
    return {row[0] for row in db.execute_sql("SELECT version FROM schema_migration")}


def pending():
    """``(version, module name)`` of the migrations not yet applied."""
    done = applied_versions()
    return [(v, name) for v, name in _migrations() if v not in done]


def _all_applied():
    """Whether every migration is applied, read without creating or locking anything: on
    PostgreSQL two ``CREATE TABLE IF NOT EXISTS`` at once can both try to create the table,
    so the ledger is only created under the lock."""
    exists = ("SELECT to_regclass('schema_migration') IS NOT NULL" if is_postgres() else
              "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migration')")
    if not db.execute_sql(exists).fetchone()[0]:
        return False
    done = _versions_in_ledger()
    return all(version in done for version, _ in _migrations())


def migrate():
    """Apply every pending migration; return the names applied."""
    # Every start of a server or a command comes here, and almost always nothing is pending:
    # two reads then, not a write-locked transaction for each migration (on SQLite each would
    # wait behind an import that holds the write lock). What is pending is checked again
    # under the lock below, so two processes starting together still apply each one once.
    if _all_applied():
        return []
    applied = []
    for version, name in _migrations():
        with (db.atomic() if is_postgres() else db.atomic(lock_type="IMMEDIATE")):
            _lock()
            if version in applied_versions():
                continue
            module = importlib.import_module(f"{__name__}.{name}")
            statements = module.STATEMENTS
            if isinstance(statements, dict):  # a migration that differs per backend
                statements = statements[dialect()]
            for statement in statements:
                if callable(statement):  # a data step that needs Python (m0005: accent-free sort keys)
                    statement()
                    continue
                db.execute_sql(statement.format(**DIALECTS[dialect()]))
            _ledger.insert(version=version, name=name,
                           applied_at=utcnow().isoformat(" ")).execute()
            applied.append(name)
        _after_commit(module)
    return applied


def _after_commit(module):
    """A migration's ``AFTER_COMMIT`` steps (callables), run once its transaction has
    committed: what cannot run inside one (PostgreSQL's VACUUM, m0011). Only speed
    may depend on them: a process that stops just before them loses nothing."""
    for step in getattr(module, "AFTER_COMMIT", ()):
        step()
