"""The one database handle of the app, bound at start-up from DATABASE_URL."""
import sqlite3
import time

from peewee import DatabaseProxy, PostgresqlDatabase
from playhouse.db_url import connect, parse
from playhouse.pool import PooledDatabase

db = DatabaseProxy()

# WAL lets readers (list pages) run while one writer commits (switched on once per
# file, see _use_wal); the busy timeout makes a second writer wait instead of
# failing with "database is locked".
SQLITE_PRAGMAS = {
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
    "cache_size": -64_000,
}
# Requests still "connect" and "close", but closing hands the connection back to
# a pool: SQLite keeps its page cache warm (a cold cache cost an indexed search
# more than the search itself) and PostgreSQL skips the connection handshake.
POOL = {"max_connections": 32, "stale_timeout": 300}
POOLED_SCHEMES = {"sqlite": "sqlite+pool", "postgres": "postgresql+pool", "postgresql": "postgresql+pool"}
POSTGRES_SCHEMES = ("postgres", "postgresql")


def open_database(url):
    """Create the Peewee database for ``url`` and bind the shared proxy to it."""
    scheme, sep, rest = url.partition("://")
    kwargs = dict(POOL) if scheme in POOLED_SCHEMES else {}
    if scheme.startswith("sqlite"):
        _use_wal(parse(url)["database"])
        kwargs["pragmas"] = SQLITE_PRAGMAS
        # A pooled connection serves one thread at a time, but not always the same one.
        kwargs["check_same_thread"] = False
    if scheme in POSTGRES_SCHEMES:
        # psycopg 3 is the maintained driver (psycopg2 only gets fixes). Peewee
        # picks it by itself only when psycopg2 is absent; say so explicitly, so
        # a stray psycopg2 in the environment cannot switch the driver.
        kwargs["prefer_psycopg3"] = True
        kwargs["cursor_factory"] = _pattern_cursor()
    if isinstance(db.obj, PooledDatabase):
        db.obj.close_all()
    database = connect(POOLED_SCHEMES.get(scheme, scheme) + sep + rest, **kwargs)
    db.initialize(database)
    return database


def _pattern_cursor():
    """psycopg 3's cursor, except that a statement with a LIKE pattern is never prepared.

    psycopg prepares a statement on the server once its text has run five times, and
    PostgreSQL may then keep a generic plan, made without the values. That saves planning
    for the statements every page runs (the session, the settings: 0.8 ms a page when they
    were all planned each time). But a search's statement is the same text for every
    pattern, and its best plan depends on the pattern: the generic plan of "name LIKE $1"
    guesses 5,000 matches and reads the trigram index, so after searches for "eric" and
    "son", "name contains er" took 487 ms instead of 96 at a million customers (every
    entry of the index, then every row, rechecked). Unprepared, it is planned for its own.
    """
    import psycopg

    class PatternCursor(psycopg.Cursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            if prepare is None and isinstance(query, str) and " LIKE " in query:
                prepare = False
            return super().execute(query, params, prepare=prepare, binary=binary)

    return PatternCursor


def _use_wal(path, seconds=30):
    """Put the SQLite file in WAL mode (it stays so: the mode is kept in the file).

    The switch needs the file to itself, and SQLite refuses it at once, without
    waiting for the busy timeout, while another process is writing: several
    processes starting together on a new file (app servers, a cron command) then
    failed with "database is locked". So it is done once, here, and retried.
    """
    if not path or path == ":memory:":
        return
    deadline = time.monotonic() + seconds
    connection = sqlite3.connect(path, timeout=seconds)
    try:
        while True:
            try:
                connection.execute("PRAGMA journal_mode = wal")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    finally:
        connection.close()


def release_connections():
    """Close every connection this process holds, pooled ones included.

    Called after start-up work (migrations) and in each forked server worker: a
    connection made before a fork must never be used by two processes.
    """
    if isinstance(db.obj, PooledDatabase):
        db.obj.close_all()
    elif db.obj is not None and not db.is_closed():
        db.close()


def ping():
    """Ask the database a trivial question; raises whatever the driver raises when it cannot answer."""
    db.connect(reuse_if_open=True)
    db.execute_sql("SELECT 1").fetchone()


def is_postgres():
    """True when the bound database is PostgreSQL (a few statements differ)."""
    return isinstance(db.obj, PostgresqlDatabase)


def write_transaction():
    """A transaction that takes the write lock up front.

    On SQLite a deferred transaction that reads and then writes can fail with
    "database is locked" when another writer got in between; IMMEDIATE waits
    for the lock (busy_timeout) before reading, so check-then-write is safe.
    """
    if is_postgres():
        return db.atomic()
    return db.atomic(lock_type="IMMEDIATE")


def refresh_statistics(vacuum=False):
    """Let the query planner see the data as it is now (after bulk loads).

    SQLite: our own tables only. Statistics on the FTS5 shadow tables, taken
    while they were small, made every later insert into the index slower (a
    load of 100,000 customers took 13 minutes instead of 1).
    PostgreSQL: ANALYZE of the customer tables; with ``vacuum`` (after seeding a
    new database) VACUUM (ANALYZE) of this schema's tables, which also sets the
    visibility map so counts and deep pages read indexes alone. Never the whole
    database: other schemas' tables (another application, a parallel test run)
    are not ours to vacuum, and waiting for their locks could hang the seed.
    """
    if is_postgres():
        if vacuum and not db.in_transaction():  # VACUUM cannot run inside a transaction block
            tables = [f'"{name}"' for (name,) in db.execute_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()]
            db.execute_sql(f"VACUUM (ANALYZE) {', '.join(tables)}")
        else:
            db.execute_sql("ANALYZE customer, customer_search")
        return
    tables = [name for (name,) in db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'customer_fts%'").fetchall()]
    for table in tables:
        db.execute_sql(f'ANALYZE "{table}"')
