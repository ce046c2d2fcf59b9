"""Test data built once per run and put back for the next test that asks (SQLite).

Several fixtures build hundreds of customers through the model, as the app writes them
(every search, gram and tally trigger fires); on SQLite that is about 5 ms a customer,
and the same set was built again for every test of a module: a third of the suite's
set-up time. ``built_once`` builds it for the first test, keeps a copy of the whole
database as it stands then (sqlite3's backup API, in memory), and copies it back for
the next test, with a fresh copy of what the build returned.

On PostgreSQL the tables that hold rows are copied into a schema of their own (named after
the run's, dropped with it: tests/conftest.py ``pg_schema``) and inserted back, triggers set
aside (the copies hold the kept counts and search rows as the triggers left them), each
sequence put back where it stood. Building there cost 3 minutes of the PostgreSQL run:
some 15 ms a customer, a round trip for every statement.

Only from an empty database: a fixture that ran first (a signed-in client, say) made
rows of its own that the copy would overwrite, so then the set is simply built again.
"""
import copy
import sqlite3

from data.db import db, is_postgres

_kept = {}


def built_once(key, build):
    """``build()``'s result, the database holding what it wrote; built once per ``key``."""
    if not _empty():
        return build()
    if is_postgres():
        return _built_once_postgresql(key, build)
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


def _tables():
    if is_postgres():
        listed = db.execute_sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    else:
        listed = db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
                                "AND name NOT LIKE 'customer_fts%'")
    return [name for name, in listed if name not in _NOT_DATA]


def holding_rows():
    """The test data tables that hold rows now."""
    return [name for name, in db.execute_sql(" UNION ALL ".join(
        f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM \"{table}\")" for table in _tables()))]


def _empty():
    return not holding_rows()


def superuser():
    """Whether the PostgreSQL test role may set triggers and foreign keys aside
    (``session_replication_role``)."""
    return db.execute_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]


def _built_once_postgresql(key, build):
    if not superuser():
        return build()  # triggers can be set aside only by a superuser
    if key not in _kept:
        result = build()
        schema = db.execute_sql("SELECT current_schema()").fetchone()[0] + f"_kept_{len(_kept)}"
        tables = holding_rows()
        sequences = db.execute_sql("SELECT sequencename, last_value FROM pg_sequences "
                                   "WHERE schemaname = current_schema() AND last_value IS NOT NULL").fetchall()
        with db.atomic():
            db.execute_sql(f"CREATE SCHEMA {schema}")
            for table in tables:
                db.execute_sql(f'CREATE TABLE {schema}."{table}" AS SELECT * FROM "{table}"')
        restore = ["SET LOCAL session_replication_role = replica"]
        restore += [f'INSERT INTO "{table}" SELECT * FROM {schema}."{table}"' for table in tables]
        restore += [f"SELECT setval('{name}', {value})" for name, value in sequences]
        _kept[key] = (";\n".join(restore), result)
    else:
        restore, result = _kept[key]
        with db.atomic():
            db.execute_sql(restore)  # one round trip
    return copy.deepcopy(result)
