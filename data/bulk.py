"""Fast bulk inserts for demo data and imports.

Peewee's ``insert_many`` builds the SQL text for every row in Python, which costs
far more than SQLite's own work at a million rows. Here the statement is written
once and the rows go to the driver as parameters, converted by each field's
``db_value`` so they are stored exactly as a normal save would store them.
"""
import os
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from operator import itemgetter

from peewee import AutoField

from .db import db, is_postgres

# SQLite: FTS5 settings of a text index filled by a bulk load (see DeferredTextIndex).
FTS_LOAD_SETTINGS = {"automerge": 16, "crisismerge": 64, "hashsize": 8 << 20}
# SQLite: the page cache (KiB, negative) while dropped indexes are built again (see rebuild).
INDEX_BUILD_CACHE = -2000


def field_default(field):
    """The value a new row takes for ``field`` when none is given (its default, called if callable)."""
    return field.default() if callable(field.default) else field.default


def stored_datetime(value):
    """SQLite: ``value`` (a datetime) as the text sqlite3's own adapter makes of it, for a bulk
    load to make once instead of once a row (two adapter calls a row were ~10% of an import's
    main process); the stored text is the same. PostgreSQL: ``value`` as it is."""
    if is_postgres():
        return value
    adapt = sqlite3.adapters.get((type(value), sqlite3.PrepareProtocol))
    return adapt(value) if adapt else value


def column_names(model):
    """The model's columns in table order (what ``write_tuples`` expects)."""
    return [f.column_name for f in model._meta.sorted_fields]


def write_tuples(model, rows, columns=None):
    """Write ``rows``: tuples already converted to database values, in ``columns`` order.

    PostgreSQL: ``COPY ... FROM STDIN`` (psycopg 3), several times faster than
    INSERTs (the rows go as one stream, parsed by the server in bulk).
    SQLite: one prepared INSERT run by ``executemany`` in C.
    """
    if not rows:
        return
    columns = columns or column_names(model)
    names = ", ".join(f'"{c}"' for c in columns)
    table = model._meta.table_name
    cursor = db.cursor()
    if is_postgres():
        with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def stored_by_project(field):
    """Whether ``field`` stores something other than the Python value (money, status).

    Only this project's own field types convert; peewee's (text, numbers, dates,
    booleans, keys) hand the value to the driver as it is.
    """
    return type(field).__module__.startswith("data.")


def _memoised(convert, limit=50_000):
    # Demo amounts and statuses repeat: convert each distinct value once (memory capped).
    seen = {}

    def cached(value):
        stored = seen.get(value, seen)
        if stored is seen:
            if len(seen) >= limit:
                seen.clear()
            seen[value] = stored = convert(value)
        return stored
    return cached


class TableRows:
    """Rows of ``model`` gathered as database tuples for ``write_tuples``.

    ``append`` takes a dict keyed by field name (missing fields take their
    default, evaluated once) and keeps only the tuple, converted by each field's
    own ``db_value`` where it changes the value, so a row is stored exactly as a
    save would store it. ``with_id`` False leaves the id to the database.
    """

    def __init__(self, model, with_id=True):
        pk = model._meta.primary_key
        fields = [f for f in model._meta.sorted_fields
                  if with_id or not (f is pk and isinstance(f, AutoField))]
        self.model = model
        self.columns = [f.column_name for f in fields]
        self.defaults = {f.name: field_default(f) for f in fields}
        self._values = itemgetter(*self.defaults)
        self._convert = [(i, _memoised(f.db_value)) for i, f in enumerate(fields) if stored_by_project(f)]
        self.rows = []

    def append(self, row, complete=False):
        """Add ``row``; ``complete`` says it already has every field (no defaults to fill in)."""
        self.rows.append(self.convert(row, complete))

    def convert(self, row, complete=False):
        """``row`` as the list of database values ``append`` keeps (in ``columns`` order)."""
        values = list(self._values(row if complete else {**self.defaults, **row}))
        for i, convert in self._convert:
            values[i] = convert(values[i])
        return values

    def write(self):
        """Write the gathered rows and forget them."""
        write_tuples(self.model, self.rows, self.columns)
        self.rows = []


class SuspendedIndexes:
    """Secondary indexes of ``tables`` dropped for a load into empty tables, then rebuilt.

    Building an index once over sorted data is several times cheaper than
    updating it row by row (on PostgreSQL the trigram GIN indexes most of all).
    Only ever used on empty tables: on a live table the indexes would be
    missing for other sessions' queries (PostgreSQL) and a rebuild over every
    existing row would cost more than it saves. Both backends' DDL is
    transactional, so a failed or killed load leaves the indexes as they were.
    The definitions are read back from the database, so they stay the
    migrations' own.
    """

    def __init__(self, tables):
        if is_postgres():
            # Indexes that back a constraint (primary key, unique) stay.
            sql = ("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                   f"AND i.tablename IN ({', '.join('%s' for _ in tables)}) AND NOT EXISTS ("
                   "SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)")
        else:
            sql = ("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                   f"AND tbl_name IN ({', '.join('?' for _ in tables)})")
        self.indexes = db.execute_sql(sql, list(tables)).fetchall()
        for name, _ in self.indexes:
            db.execute_sql(f'DROP INDEX "{name}"')

    def rebuild(self):
        """Create the dropped indexes again (inside the load's transaction)."""
        if is_postgres():
            # A session setting, not a server one: more memory per build, fewer passes.
            db.execute_sql("SET LOCAL maintenance_work_mem = '256MB'")
            for _, definition in self.indexes:
                db.execute_sql(definition)
            return
        # SQLite sorts an index's keys in runs of the page cache's size. One run of the
        # app's 64 MB cache is sorted slowly (1.6 s an index at a million rows) and by the
        # builder alone; runs of 2 MB are sorted in the processor's cache, by helper
        # threads while the table is read (34 indexes: 32 s -> 19 s on two cores).
        cache, threads = (db.execute_sql(f"PRAGMA {name}").fetchone()[0] for name in ("cache_size", "threads"))
        db.execute_sql(f"PRAGMA cache_size = {INDEX_BUILD_CACHE}")
        db.execute_sql(f"PRAGMA threads = {os.cpu_count() or 1}")
        try:
            for _, definition in self.indexes:
                db.execute_sql(definition)
        finally:
            db.execute_sql(f"PRAGMA cache_size = {int(cache)}")
            db.execute_sql(f"PRAGMA threads = {int(threads)}")


class SuspendedForeignKeys:
    """PostgreSQL: the foreign keys of ``tables`` dropped for a load into empty tables, then added back.

    A COPY fires one check per foreign key and row (a locked lookup of the parent
    row): most of the server's work in a seed. Adding a key back checks every row
    at once, in one join. As with ``SuspendedIndexes``: only for empty tables,
    inside the load's transaction (a failed load leaves the keys as they were),
    definitions read back from the database. SQLite's checks are cheap and it
    cannot drop a constraint: there nothing is done.
    """

    def __init__(self, tables):
        self.constraints = []
        if not is_postgres():
            return
        self.constraints = db.execute_sql(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE c.contype = 'f' AND n.nspname = current_schema() "
            f"AND t.relname IN ({', '.join('%s' for _ in tables)}) ORDER BY 1, 2", list(tables)).fetchall()
        for table, name, _ in self.constraints:
            db.execute_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')

    def restore(self):
        """Add the keys back, each checked against every loaded row."""
        for table, name, definition in self.constraints:
            db.execute_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


# The FTS trigger of migration 0002 (and any like it): one INSERT of new.* values.
_INSERT_TRIGGER = re.compile(r"AFTER\s+INSERT\s+ON\s+(\w+)\s+BEGIN\s+"
                             r"(INSERT\s+INTO\s+\w+\s*\([^)]*\))\s*VALUES\s*\((.*)\)\s*;\s*END\s*$",
                             re.IGNORECASE | re.DOTALL)


class DeferredTextIndex:
    """SQLite: fill the full-text index batch by batch in a helper thread during a bulk load.

    The FTS5 insert trigger on ``customer_search`` costs about 110 µs a row when
    fired per row, against about 40 µs for one ``INSERT ... SELECT`` over the new
    rows, and that statement runs in SQLite's C code, which lets go of Python's
    lock: run in a helper thread it fills the index of one batch while the
    loader reads and checks the next one on the other core. The trigger is
    dropped for the load and created again from its own SQL, all in the load's
    transaction (no other writer can come in between on SQLite), and its
    ``VALUES`` expression is run as a SELECT over each batch's id range, so the
    index gets exactly what the trigger would have written. Triggers of another
    shape are left alone (then the load is only slower). PostgreSQL: nothing to do.

    The connection is the helper's while a batch is being indexed: the loader
    calls ``wait`` before any statement of its own (``add`` and ``finish`` do).
    Use it as a context manager, so that the helper is done before the load's
    transaction ends, whichever way it ends.
    """

    def __init__(self, table):
        self.triggers, self.suspended, self.table = [], [], table
        self._helper, self._pending = None, None
        if is_postgres():
            return
        triggers = db.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                  "AND tbl_name = ?", [table]).fetchall()
        targets = set()
        for name, sql in triggers:
            match = _INSERT_TRIGGER.search(sql)
            if match and match.group(1) == table:
                self.triggers.append((sql, match.group(2), match.group(3)))
                targets.add(match.group(2).split()[2])
                db.execute_sql(f'DROP TRIGGER "{name}"')
        for name, sql in triggers:
            writes_index = any(re.search(rf"INSERT\s+INTO\s+{re.escape(t)}\b", sql, re.IGNORECASE) for t in targets)
            if writes_index and re.search(r"AFTER\s+UPDATE\b", sql, re.IGNORECASE):
                # An update of a loaded row (owners linked later flip customer_search.direct)
                # would delete index entries not written yet; finish() puts it back.
                # Only the text index's own: other update triggers (gram counts) stay.
                self.suspended.append(sql)
                db.execute_sql(f'DROP TRIGGER "{name}"')
        for target in targets:
            # Merge the index's segments less eagerly while a load writes it: the default
            # (segments merged four at a time, pending terms flushed at 1 MB) cost a third of
            # the fill's time at a million rows; searches were as fast over the segments left.
            # Kept afterwards: put back, the next single save could start merging them.
            for setting, value in FTS_LOAD_SETTINGS.items():
                db.execute_sql(f'INSERT INTO "{target}" ("{target}", rank) VALUES (?, ?)', [setting, value])
        if self.triggers:
            self._connection = db.connection()
            self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="text-index")

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        try:
            self.wait()
        except Exception:
            if kind is None:
                raise  # otherwise the load's own error is the one to report
        finally:
            if self._helper:
                self._helper.shutdown()

    def add(self, first_id, last_id):
        """Index the rows ``first_id``..``last_id`` (in the helper; returns at once)."""
        if not self.triggers:
            return
        self.wait()
        self._pending = self._helper.submit(self._fill, first_id, last_id)

    def _fill(self, first_id, last_id):
        for _, insert, values in self.triggers:
            self._connection.execute(f'{insert} SELECT {values} FROM "{self.table}" AS new '
                                     "WHERE new.id BETWEEN ? AND ? ORDER BY new.id", [first_id, last_id])

    def wait(self):
        """Return once the helper is done with the connection (raising what it raised)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def finish(self):
        """Wait for the last batch and put the triggers back.

        Also with no rows loaded: left dropped, every later customer would be
        missing from the text index.
        """
        self.wait()
        for sql, _, _ in self.triggers:
            db.execute_sql(sql)
        for sql in self.suspended:
            db.execute_sql(sql)
        self.triggers, self.suspended = [], []
