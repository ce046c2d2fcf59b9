"""The status is stored as its code (``'blocked'``), no longer as its priority (2).

A stored priority meant that a status inserted into the spec's table renumbered
every stored row. Now the priority lives only in ``data/status.py``; sorting by
status still walks an index in severity order: ``customer_status`` is rebuilt on
``(severity, status, id)``, where severity is the ``CASE`` over the codes that
``status.severity`` also writes into queries (``severity_sql``). A sort by status
orders by all three (the code follows from the severity, so the order is the
same); conditions on the status compare the severity. So the one index serves
filters, counts and sorts, index-only, as ``(status, id)`` did.

The conversion uses the numbering as it was stored (``STORED``), not whatever
the table says today. A value outside it stops the migration (its transaction
writes nothing) instead of being lost.

SQLite cannot change a column's type: a new column is added, filled, the old one
dropped and the new one renamed (``ALTER TABLE ... DROP COLUMN``, SQLite 3.35+).
Only non-active rows need the UPDATE (the new column's default is ``'active'``).
PostgreSQL converts in place (``ALTER COLUMN ... TYPE ... USING``).

A new status: a migration with ``STATEMENTS = SEVERITY_INDEX`` (the index is
rebuilt from the table of that day).
"""
from ..db import db, is_postgres
from ..status import severity_sql

# The priorities as m0001 stored them, frozen here on purpose.
STORED = {1: "permanently_terminated", 2: "blocked", 3: "suspended", 4: "provisionally_terminated",
          5: "credit_exceeded", 6: "no_available_funds", 7: "suspension_lifted", 8: "payment_frozen",
          9: "spending_limit_reached", 10: "exported", 11: "active"}
_CASE = "CASE status " + " ".join(f"WHEN {p} THEN '{code}'" for p, code in STORED.items()) + " END"
_KNOWN = ", ".join(str(p) for p in STORED)

SEVERITY_INDEX = [
    "DROP INDEX IF EXISTS customer_status",
    # The code itself is in the index too: without it neither SQLite (3.40) nor
    # PostgreSQL sees the index as covering (the expression reads ``status``), and
    # every count or page of a status filter read the table row by row. The rowid
    # ends every SQLite index entry; the id is written out for PostgreSQL's.
    f"CREATE INDEX customer_status ON customer (({severity_sql()}), status, id)",
    "ANALYZE customer",
]


def _check_known():
    unknown = [row[0] for row in db.execute_sql(
        f"SELECT DISTINCT status FROM customer WHERE status NOT IN ({_KNOWN}) OR status IS NULL").fetchall()]
    if unknown:
        raise RuntimeError(f"m0011: customer.status holds values that are no status: {unknown}")


STATEMENTS = {
    "sqlite": [
        _check_known,
        "DROP INDEX customer_status",
        "ALTER TABLE customer ADD COLUMN status_code VARCHAR(40) NOT NULL DEFAULT 'active'",
        f"UPDATE customer SET status_code = {_CASE} WHERE status <> 11",
        "ALTER TABLE customer DROP COLUMN status",
        "ALTER TABLE customer RENAME COLUMN status_code TO status",
    ] + SEVERITY_INDEX,
    "postgresql": [
        _check_known,
        "DROP INDEX customer_status",
        # The old default (11) cannot be cast to the new type: it goes first.
        "ALTER TABLE customer ALTER COLUMN status DROP DEFAULT",
        f"ALTER TABLE customer ALTER COLUMN status TYPE VARCHAR(40) USING {_CASE}",
        "ALTER TABLE customer ALTER COLUMN status SET DEFAULT 'active'",
    ] + SEVERITY_INDEX,
}


def _vacuum():
    # The rewrite (ALTER TYPE) leaves PostgreSQL's visibility map empty: until a VACUUM,
    # every index-only scan of customer (counts, status and money sorts) also reads the
    # table (a count of 86% of 100,000 rows: 35 -> 118 ms), and no autovacuum is due
    # (a rewrite is neither inserts nor dead rows). Not inside someone's transaction.
    if is_postgres() and not db.in_transaction():
        db.execute_sql("VACUUM (ANALYZE) customer")


AFTER_COMMIT = [_vacuum]
