"""The customer tally (migration 0016) of a bulk load, added up a batch at a time.

SQLite's row trigger runs one UPSERT per owner key for every inserted customer:
three B-tree writes and a subquery a row, about a third of what writing the customer
itself costs in an import. A load instead drops that trigger and adds each written
batch with one grouped UPSERT over its id range (some fifty tally rows per batch
instead of fifteen thousand writes). PostgreSQL's trigger is already one grouped
statement per COPY: nothing to do there.
"""
from .db import db, is_postgres

_TRIGGER = "customer_tally_insert"
_KEY = "owner_kind, owner_id, status, currency, balance_control"
_SUMS = ("customers", "balance", "available_funds", "credit_limit", "credit_limits")
_SUMMED = ("status, currency, balance_control, COUNT(*), SUM(balance), SUM(available_funds), "
           "COALESCE(SUM(credit_limit), 0), COUNT(credit_limit) FROM customer WHERE id BETWEEN ? AND ?")
_BY = "GROUP BY status, currency, balance_control"
# The owner keys the trigger counts a customer under: all ('a', 0), its reseller ('r',
# 0 for a direct customer) and its distributor when it has one.
_ADD = (f"INSERT INTO customer_tally ({_KEY}, {', '.join(_SUMS)}) SELECT * FROM ("
        f"SELECT 'a', 0, {_SUMMED} {_BY} "
        f"UNION ALL SELECT 'r', COALESCE(reseller_id, 0), {_SUMMED} {_BY}, COALESCE(reseller_id, 0) "
        f"UNION ALL SELECT 'd', distributor_id, {_SUMMED} AND distributor_id IS NOT NULL {_BY}, distributor_id"
        # "WHERE true": SQLite would otherwise read ON CONFLICT as a join's ON.
        f") WHERE true ON CONFLICT ({_KEY}) DO UPDATE SET "
        + ", ".join(f"{name} = customer_tally.{name} + excluded.{name}" for name in _SUMS))


class BulkTally:
    """Within a load's transaction: the tally's insert trigger set aside (SQLite), each
    written batch of customers added with ``add``, the trigger made again by ``finish``
    from its own SQL. ``finish`` before any later update of the loaded customers: the
    update trigger, which stays, moves counts the batches must already hold. A failed
    load rolls the dropped trigger back with everything else."""

    def __init__(self):
        self.trigger = None
        if is_postgres():
            return
        found = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                               [_TRIGGER]).fetchone()
        if found:
            self.trigger = found[0]
            db.execute_sql(f'DROP TRIGGER "{_TRIGGER}"')

    def add(self, first_id, last_id):
        """Count the customers ``first_id``..``last_id``, just inserted."""
        if self.trigger is not None:
            db.execute_sql(_ADD, [first_id, last_id] * 3)

    def finish(self):
        """Let the trigger count again."""
        if self.trigger is not None:
            db.execute_sql(self.trigger)
            self.trigger = None
