"""The part of ``import-customers`` that needs one line and nothing else: its values
checked, normalised as ``prepare`` does, made into the database tuples of the customer
and of its search row, and the grams of that search row counted.

That is most of an import's Python work (some 100 µs a line), and none of it needs
the database or another line, so a large file has it done in worker processes
(``checked``) while the main process reads the file and writes; a small one here,
by the same code. What needs other lines or the database (ids, owners, classes,
duplicate account numbers) stays with the main process, which fills the few
columns left open (``Made``).
"""
import os
from collections import deque
from itertools import islice

from . import processes
from .bulk import TableRows, field_default
from .gram_counts import KeyCounts
from .models import Customer, CustomerSearch, prepare
from .validation import customer_values

CHUNK = 1000  # lines a worker checks at a time: big enough that sending them costs little
# From this file size on the lines are checked in worker processes; below it, starting
# them (some 30 ms) costs more than it saves.
WORKERS_FROM = 4 << 20
AHEAD = 4  # chunks handed out per worker before the first one's answer is read: bounds the memory
# Open columns of the tuples, filled in by the main process.
CUSTOMER_OPEN = ("id", "reseller", "distributor", "customer_class")
SEARCH_OPEN = ("customer", "direct")


class _Row:
    """A customer of the file as ``prepare`` and ``CustomerSearch.row_for`` read it: its
    attributes are the row's dict itself (``__dict__``), so nothing is copied."""


class Checker:
    """Checks lines and makes their rows; one per process (the converters keep caches)."""

    def __init__(self, today, now):
        self.customers, self.searches = TableRows(Customer), TableRows(CustomerSearch)
        self.defaults = {f.name: field_default(f) for f in Customer._meta.sorted_fields}
        self.defaults["created_at"] = now
        self.today = today

    def check(self, chunk):
        """``(checked lines, gram counts)`` of ``chunk`` (``(line, raw dict)`` pairs).

        A checked line is ``(line, names, errors, account numbers, made)``: ``names``
        the cleaned ``(name, customer_type, reseller, distributor, customer_class)``,
        ``errors`` ``(field, message)`` pairs, ``made`` None when there are errors,
        else ``(customer tuple, search tuple)``. The counts (``{direct: Counter}``) hold
        the grams of every made row: direct when it names no reseller, else not direct,
        as an import that writes anything leaves it (a reseller it cannot find fails
        it). One written before its reseller, later in the file, is direct until the
        end links them: the importer moves its grams (``_Import.add``).
        """
        counts, checked = KeyCounts(), []
        for line, raw in chunk:
            values, errors = customer_values(raw)
            numbers = (raw.get("accounts") or "").split()
            names = (values.get("name"), values["customer_type"], values.get("reseller"),
                     values.get("distributor"), values.get("customer_class"))
            made = None
            if not errors:
                row = dict(self.defaults)
                row.update(values)
                row.update(dict.fromkeys(CUSTOMER_OPEN))
                # What save() stores, derived by the same code: normalised values, status, search row.
                customer = _Row()
                customer.__dict__ = row
                prepare(customer, self.today)
                found = CustomerSearch.row_for(customer)
                # Its grams and its blank fields, counted here: sent per row (some 150 strings)
                # they cost the main process more to receive than to count.
                counts.add(not values.get("reseller"), found)
                made = (self.customers.convert(row, complete=True), self.searches.convert(found, complete=True))
            checked.append((line, names, tuple(errors.items()), numbers, made))
        return checked, counts.result()


def positions(rows, names):
    """Where the columns ``names`` are in the tuples of ``rows`` (a ``TableRows``)."""
    fields = {f.name: f.column_name for f in rows.model._meta.sorted_fields}
    return [rows.columns.index(fields[name]) for name in names]


_worker = None


def _start(today, now):
    global _worker
    _worker = Checker(today, now)


def _check(chunk):
    return _worker.check(chunk)


def _chunks(lines):
    while chunk := list(islice(lines, CHUNK)):
        yield chunk


def workers(path, today, now):
    """A pool of worker processes for checking ``path`` (``processes.pool``), or None when
    it is too small to gain or none can start."""
    if os.path.getsize(path) < WORKERS_FROM:
        return None
    return processes.pool(_start, (today, now))


def checked(lines, today, now, pool=None):
    """``Checker.check`` of every chunk of ``lines``, in order: in ``pool`` if there is one."""
    if pool is None:
        checker = Checker(today, now)
        for chunk in _chunks(lines):
            yield checker.check(chunk)
        return
    pending = deque()
    for chunk in _chunks(lines):
        pending.append(pool.apply_async(_check, (chunk,)))
        if len(pending) > AHEAD * processes.PROCESSES:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()
