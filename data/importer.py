"""``import-customers``: load customers from CSV, all or nothing, in one pass.

Each line is read and checked once, and written straight away inside one
transaction (PostgreSQL: COPY; SQLite: one prepared INSERT per batch), with its
id assigned here, so a subcustomer can point at its owner at once. An owner that
comes later in the file is filled in at the end. Only what a later line may
need is kept: owners by name, account numbers, the lines of references still open.

The first problem stops the writing (the checking goes on to the end) and the
transaction is rolled back, so nothing is ever committed from a bad file. Then
a second, read-only pass finds what a single pass cannot know cheaply (which
earlier line a duplicate name is on, names already in the database) and every
problem is reported with its line number. A duplicate name that only the
database's unique index notices ends the writing the same way.
"""
import os
import sqlite3

from peewee import IntegrityError

try:
    import psycopg
except ImportError:  # SQLite-only installs
    psycopg = None

from . import clock, gram_counts
from .bulk import (
    DeferredTextIndex,
    SuspendedForeignKeys,
    SuspendedIndexes,
    TableRows,
    stored_datetime,
    write_tuples,
)
from .bulk_tally import BulkTally
from .db import db, is_postgres, refresh_statistics, write_transaction
from .gram_counts import BulkGrams, row_keys
from .history import import_rows
from .import_lines import ImportFailed, Problem, lines
from .import_rows import CUSTOMER_OPEN, SEARCH_OPEN, checked, positions, workers
from .models import Customer, CustomerClass, CustomerSearch
from .records import Account, ClassHistory, History

BATCH = 5000


class _Import:
    """The state of one import while its single pass runs."""

    def __init__(self, path, actor, now, stored_now, text_index):
        self.customers, self.searches = TableRows(Customer), TableRows(CustomerSearch)
        self.customer_at = positions(self.customers, CUSTOMER_OPEN)
        self.search_at = positions(self.searches, SEARCH_OPEN)
        self.text_index = text_index
        self.now, self.stored_now = now, stored_now
        self.history = import_rows(actor, os.path.abspath(path), now)
        self.actor = actor[:ClassHistory.actor.max_length]
        self.problems, self.writing, self.count = [], True, 0
        self.grams = BulkGrams()  # its triggers dropped (SQLite) for the load, made again by finish()
        self.tally = BulkTally()  # likewise
        self.owners, self.accounts, self.deferred, self.classes, self.known = {}, {}, [], {}, {}
        self.numbers, self.history_rows, self.first_id, self.last_id = [], [], None, None
        self.empty = not Customer.select().exists()
        self.ids = self._ids()

    def _ids(self):
        """Fresh customer ids, in batches (PostgreSQL: from the table's sequence)."""
        if is_postgres():
            sequence = db.execute_sql("SELECT pg_get_serial_sequence('customer', 'id')").fetchone()[0]
            while True:
                yield from (i for (i,) in db.execute_sql(
                    "SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, BATCH]).fetchall())
        # SQLite: the write lock is held, nobody else adds customers meanwhile.
        next_id = (db.execute_sql("SELECT MAX(id) FROM customer").fetchone()[0] or 0) + 1
        while True:
            yield next_id
            next_id += 1

    def problem(self, line, message):
        self.problems.append(Problem(line, message))
        self.writing = False

    def owner(self, line, kind, name, customer_id):
        """The id of owner ``name`` (a ``kind``), or None while it is still to come in the file."""
        found = self.owners.get(name)
        if found is None and not self.empty:
            if name not in self.known:
                self.text_index.wait()  # the connection is the helper thread's until then
                self.known[name] = Customer.select(Customer.id, Customer.customer_type).where(
                    Customer.name == name).tuples().first()
            found = self.known[name]
        if found is None:
            self.deferred.append((customer_id, kind, name, line))
        elif found[1] != kind:
            self.problem(line, f"{kind}: “{name}” is a {found[1]}, not a {kind}")
        else:
            return found[0]
        return None

    def take(self, checked, counts):
        """Add a chunk of checked lines (``import_rows.Checker.check``) and its gram counts."""
        for direct, grams in counts.items():
            self.grams.add_counts(direct, grams)
        for line, names, errors, numbers, made in checked:
            self.add(line, names, errors, numbers, made)

    def add(self, line, names, errors, numbers, made):
        self.count += 1
        for field, message in errors:
            self.problem(line, f"{field}: {message}")
        for number in numbers:
            if len(number) > Account.number.max_length:
                self.problem(line, f"accounts: “{number[:20]}…” is longer than {Account.number.max_length} characters")
            elif number in self.accounts:
                self.problem(line, f"accounts: “{number}” is already on line {self.accounts[number]}")
            else:
                self.accounts[number] = line
        customer_id = next(self.ids)
        name, kind, reseller, distributor, class_name = names
        if kind != "retail" and name:
            self.owners.setdefault(name, (customer_id, kind))
        reseller_id = self.owner(line, "reseller", reseller, customer_id) if reseller else None
        distributor_id = self.owner(line, "distributor", distributor, customer_id) if distributor else None
        class_id = self._class_id(line, class_name)
        if not self.writing:
            return
        customer, search = made
        for at, value in zip(self.customer_at, (customer_id, reseller_id, distributor_id, class_id), strict=True):
            customer[at] = value
        direct = reseller_id is None
        search[self.search_at[0]], search[self.search_at[1]] = customer_id, direct
        if reseller and direct:
            # Written before its reseller (later in the file): direct until linked at the
            # end, whose flip moves the counts back (the triggers are made again by then).
            keys = row_keys(dict(zip(self.searches.columns, search, strict=True)))
            self.grams.counts[False].subtract(keys)
            self.grams.counts[True].update(keys)
        self.customers.rows.append(customer)
        self.searches.rows.append(search)
        self.numbers += [(number, customer_id, False, self.stored_now) for number in numbers]
        self.history_rows.append(self.history(customer_id, name, reseller_id, distributor_id))
        if len(self.customers.rows) >= BATCH:
            self.flush()

    def _class_id(self, line, name):
        """The id of class ``name``, made (with its history row) when it does not exist.
        A retired class takes no new customers, imported ones neither."""
        if not name:
            return None
        if name not in self.classes:
            self.text_index.wait()
            found = CustomerClass.get_or_none(CustomerClass.name == name)
            if found is None:
                found = CustomerClass.create(name=name)
                ClassHistory.create(class_id=found.id, class_name=name, at=self.now, actor=self.actor,
                                    action="import", field="name", new_value=name)
            self.classes[name] = (found.id, found.retired_at is not None)
        class_id, retired = self.classes[name]
        if retired:
            self.problem(line, f"customer_class: “{name}” is retired (not offered for new customers)")
        return class_id

    def flush(self):
        rows, accounts, history = self.customers.rows, self.numbers, self.history_rows
        self.numbers, self.history_rows = [], []
        if not self.writing or not rows:
            self.customers.rows, self.searches.rows = [], []
            return
        id_at = self.customer_at[0]
        first, last = rows[0][id_at], rows[-1][id_at]
        self.text_index.wait()
        self.customers.write()
        self.tally.add(first, last)
        self.searches.write()
        write_tuples(Account, accounts, ["number", "customer_id", "blocked", "created_at"])
        write_tuples(History, history, [f.column_name for f in History._meta.sorted_fields if f.name != "id"])
        # SQLite: the text index takes these rows in a helper thread while the next batch is read.
        self.text_index.add(first, last)
        self.first_id = self.first_id or first
        self.last_id = last

    def link_later_owners(self):
        """Point the subcustomers whose owner came later in the file at it."""
        updates = {"reseller": [], "distributor": []}
        for customer_id, kind, name, line in self.deferred:
            found = self.owners.get(name)
            if found is None:
                self.writing = False  # what it is (absent, or a retail customer) is found by _explain
            elif found[1] != kind:
                self.problem(line, f"{kind}: “{name}” is a {found[1]}, not a {kind}")
            else:
                updates[kind].append((found[0], customer_id))
        if self.writing:
            self.text_index.wait()
            for kind, pairs in updates.items():
                if pairs:
                    db.cursor().executemany(f"UPDATE customer SET {kind}_id = {db.param} WHERE id = {db.param}",
                                            pairs)
                    # The import's history row keeps the owner too (the activity log's reach).
                    db.cursor().executemany(
                        f"UPDATE history SET {kind}_id = {db.param} WHERE customer_id = {db.param}", pairs)


def import_customers(path, progress=None, actor="import-customers", encoding=None, dry_run=False):
    """Import the CSV file at ``path``; return how many customers were added.

    Raises ``ImportFailed`` with every problem (and writes nothing) if any line is
    bad. ``progress(n_bytes)`` is called as the file is read; ``actor`` is who the
    history names; ``encoding`` None means detected (UTF-8, UTF-16, Windows-1252).
    ``dry_run``: check only; everything is rolled back, and the count is what would be added.
    """
    today, now = clock.today(), clock.utcnow()
    stored_now = stored_datetime(now)  # what every row's created_at holds, adapted once
    conflict = None
    pool = workers(path, today, stored_now)  # forked before the text index's helper thread starts
    try:
        with write_transaction(), DeferredTextIndex("customer_search") as text_index:
            load = _Import(path, actor, now, stored_now, text_index)
            indexes = SuspendedIndexes(("customer", "customer_search", "account")) if load.empty else None
            # The history's too when it is empty (a new database), built again before owners are
            # linked: that updates history rows by customer.
            history = SuspendedIndexes(("history",)) if load.empty and not History.select().exists() else None
            # PostgreSQL: one join per key at the end instead of a locked lookup per row.
            keys = SuspendedForeignKeys(("customer", "customer_search", "account")) if load.empty else None
            for chunk, counts in checked(lines(path, encoding, progress, load.problems), today, stored_now, pool):
                load.take(chunk, counts)
            load.flush()
            # Before owners are linked: linking updates search rows, whose
            # trigger takes the old values out of the text index again.
            text_index.finish()
            load.tally.finish()
            if load.writing:
                # Before owners are linked too: the linking's direct flips move counts.
                load.grams.finish()
                if history:
                    history.rebuild()
            load.link_later_owners()
            if load.writing and indexes:
                indexes.rebuild()
                keys.restore()
            if not load.writing or load.problems or dry_run:
                raise _RollBack
    except _RollBack:
        if dry_run and load.writing and not load.problems:
            return load.count
    except _REFUSED as error:  # a name or account number the database already has
        conflict = error
    else:
        _close(pool)  # before the statistics: the workers' memory is not needed any more
        _after_import()
        return load.count
    finally:
        _close(pool)
    raise ImportFailed(_explain(path, encoding, load.problems, load.deferred, conflict))


def _close(pool):
    if pool is not None:
        pool.terminate()  # idle by now, or the import failed and its work is not wanted


# Peewee wraps the driver's error only for its own statements; bulk writes use the cursor.
_REFUSED = (IntegrityError, sqlite3.IntegrityError) + ((psycopg.IntegrityError,) if psycopg else ())


class _RollBack(Exception):
    """Leaves the import's transaction so that it is rolled back."""


def _after_import():
    """Statistics (and on PostgreSQL the visibility map) for the tables just filled."""
    if is_postgres():
        # VACUUM cannot run in a transaction; without it the first queries after an
        # import cannot use index-only scans (counts read the whole table).
        tables = ", ".join(m._meta.table_name for m in (Customer, CustomerSearch, Account, History))
        db.execute_sql(f"VACUUM (ANALYZE) {tables}")
        gram_counts.compact()
    else:
        refresh_statistics()


from .import_check import explain as _explain  # noqa: E402  (the failure path lives apart)
