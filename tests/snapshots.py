"""Test data built once per run and put back for the next test that asks (SQLite).

Several fixtures build hundreds of customers through the model, as the app writes them
(every search, gram and tally trigger fires); on SQLite that is about 5 ms a customer,
and the same set was built again for every test of a module: a third of the suite's
set-up time. ``built_once`` builds it for the first test, keeps a copy of the whole
database as it stands then (sqlite3's backup API, in memory), and copies it back for
the next test, with a fresh copy of what the build returned.

Only from an empty database: a fixture that ran first (a signed-in client, say) made
rows of its own that the copy would overwrite, so then the set is simply built again.
PostgreSQL builds every time (its writes are cheaper and it has no page copy).
"""
import copy
import sqlite3

from data.db import db, is_postgres

_kept = {}


def built_once(key, build):
    """``build()``'s result, the database holding what it wrote; built once per ``key``."""
    if is_postgres() or not _empty():
        return build()
    if key not in _kept:
        result = build()
        saved = sqlite3.connect(":memory:")
        _connection().backup(saved)
        _kept[key] = (saved, result)
    else:
        saved, result = _kept[key]
        saved.backup(_connection())
    return copy.deepcopy(result)


def _connection():
    db.connect(reuse_if_open=True)
    return db.connection()


# Tables whose rows are not test data: the migrations' ledger, SQLite's and FTS5's own, and
# the fixed positions table of the gram counts (m0017).
_NOT_DATA = ("schema_migration", "customer_gram_position")


def _empty():
    tables = [name for name, in db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
        "AND name NOT LIKE 'customer_fts%'") if name not in _NOT_DATA]
    return not db.execute_sql(" UNION ALL ".join(
        f'SELECT 1 WHERE EXISTS (SELECT 1 FROM "{table}")' for table in tables)).fetchall()
