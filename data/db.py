"""The one database handle of the app, bound at start-up from DATABASE_URL."""
from peewee import DatabaseProxy, PostgresqlDatabase
from playhouse.db_url import connect

db = DatabaseProxy()

# WAL lets readers (list pages) run while one writer commits; the busy timeout makes
# a second writer wait instead of failing with "database is locked".
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
    "cache_size": -64_000,
}


def open_database(url):
    """Create the Peewee database for ``url`` and bind the shared proxy to it."""
    kwargs = {"pragmas": SQLITE_PRAGMAS} if url.startswith("sqlite") else {}
    database = connect(url, **kwargs)
    db.initialize(database)
    return database


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
