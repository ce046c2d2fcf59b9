"""Customer classes an admin can manage (issue 14): a maintenance fee per currency,
retiring a class, an edit version, the class's own history; and the one-time key
of the add-subscription form.

The single ``maintenance_fee`` of m0003 had no currency: maintenance charged that
figure in whatever currency the customer had. So that no customer is charged a
different amount after this migration, the old figure becomes one ``class_fee``
row per currency the class's customers use (a class with a fee and no customers
yet: per currency any customer uses). Each class whose fee moved gets a history
row saying what it became; then the old column goes.
"""
from ..clock import utcnow
from ..db import db
from ..money import units_text

STATEMENTS = [
    """CREATE TABLE class_fee (
        id {pk},
        customer_class_id {bigint} NOT NULL REFERENCES customer_class (id) ON DELETE CASCADE,
        currency VARCHAR(3) NOT NULL,
        amount {bigint} NOT NULL,
        UNIQUE (customer_class_id, currency))""",
    """INSERT INTO class_fee (customer_class_id, currency, amount)
       SELECT DISTINCT cc.id, c.currency, cc.maintenance_fee
       FROM customer_class cc JOIN customer c ON c.customer_class_id = cc.id
       WHERE cc.maintenance_fee <> 0""",
    """INSERT INTO class_fee (customer_class_id, currency, amount)
       SELECT cc.id, used.currency, cc.maintenance_fee
       FROM customer_class cc CROSS JOIN (SELECT DISTINCT currency FROM customer) used
       WHERE cc.maintenance_fee <> 0
         AND NOT EXISTS (SELECT 1 FROM customer c WHERE c.customer_class_id = cc.id)""",
    # History of a class outlives the class (a delete is history too), so no foreign key.
    """CREATE TABLE class_history (
        id {pk},
        class_id {bigint} NOT NULL,
        class_name VARCHAR(100) NOT NULL,
        at {ts} NOT NULL,
        actor VARCHAR(100) NOT NULL,
        action VARCHAR(50) NOT NULL,
        field VARCHAR(50) NOT NULL DEFAULT '',
        old_value TEXT NOT NULL DEFAULT '',
        new_value TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX class_history_class ON class_history (class_id, at, id)",
]


def _record_moved_fees():
    def sql(text):
        return text.replace("%s", db.param)

    rows = db.execute_sql("SELECT id, name, maintenance_fee FROM customer_class WHERE maintenance_fee <> 0").fetchall()
    at = utcnow()
    for class_id, name, fee in rows:
        fees = db.execute_sql(sql("SELECT currency, amount FROM class_fee WHERE customer_class_id = %s "
                                  "ORDER BY currency"), (class_id,)).fetchall()
        new = ", ".join(f"{units_text(amount)} {currency}" for currency, amount in fees) or "none (no currency in use)"
        db.execute_sql(sql(
            "INSERT INTO class_history (class_id, class_name, at, actor, action, field, old_value, new_value) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"),
            (class_id, name, at, "migration m0014", "fee_per_currency", "maintenance_fee", units_text(fee), new))


STATEMENTS += [
    _record_moved_fees,
    # SQLite has had DROP COLUMN since 3.35 (2021); the column has no index or constraint.
    "ALTER TABLE customer_class DROP COLUMN maintenance_fee",
    "ALTER TABLE customer_class ADD COLUMN retired_at {ts}",
    "ALTER TABLE customer_class ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
    # Nullable without a default, as m0008's keys: only rows entered through the form carry one.
    "ALTER TABLE subscription ADD COLUMN request_key VARCHAR(64)",
    "CREATE UNIQUE INDEX subscription_request_key ON subscription (request_key) WHERE request_key IS NOT NULL",
    # A class's customers in one currency, with the columns maintenance decides by: the
    # "next run" preview of a class (data/periodic.py) joins its fees to its customers by
    # currency and reads nothing else of the customer. By the class alone SQLite walked the
    # currency index (every customer in those currencies) and read each row: 1.5-4.5 s at
    # 100,000 customers (20,000 per class, load 13 on 2 cores); index-only now, 0.05-0.4 s.
    # Those columns change rarely (block, terminate, export). The index starts with the
    # class, so it also does the job of the old one (foreign-key checks, the class filter).
    "CREATE INDEX customer_class_currency ON customer (customer_class_id, currency, blocked, "
    "provisionally_terminated_at, terminated_at, exported_at)",
    "DROP INDEX customer_class_idx",
]
