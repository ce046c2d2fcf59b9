"""Customer lifecycle: edit versions, self-care password, payment failures,
class fees and grace period, subscriptions, the periodic-charge ledger, history."""

STATEMENTS = [
    # Optimistic locking: every write bumps it; a save based on an older one is refused.
    "ALTER TABLE customer ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE customer ADD COLUMN password_hash VARCHAR(255) NOT NULL DEFAULT ''",
    "ALTER TABLE customer ADD COLUMN failed_payments INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE customer_class ADD COLUMN grace_days INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE customer_class ADD COLUMN maintenance_fee {bigint} NOT NULL DEFAULT 0",
    "ALTER TABLE payment ADD COLUMN succeeded {bool} NOT NULL DEFAULT {true}",
    "ALTER TABLE payment ADD COLUMN note VARCHAR(200) NOT NULL DEFAULT ''",
    """CREATE TABLE subscription (
        id {pk},
        customer_id {bigint} NOT NULL REFERENCES customer (id) ON DELETE RESTRICT,
        name VARCHAR(100) NOT NULL,
        fee {bigint} NOT NULL,
        started_on DATE NOT NULL,
        ended_on DATE)""",
    "CREATE INDEX subscription_customer ON subscription (customer_id)",
    # One row per charge and period: the unique key makes maintenance idempotent
    # even when two runs overlap.
    """CREATE TABLE periodic_charge (
        id {pk},
        customer_id {bigint} NOT NULL REFERENCES customer (id) ON DELETE RESTRICT,
        kind VARCHAR(20) NOT NULL,
        reference_id {bigint} NOT NULL,
        period VARCHAR(7) NOT NULL,
        xdr_id {bigint} REFERENCES xdr (id) ON DELETE RESTRICT,
        UNIQUE (customer_id, kind, reference_id, period))""",
    # History outlives the customer (a delete is history too), so no foreign key.
    """CREATE TABLE history (
        id {pk},
        customer_id {bigint} NOT NULL,
        customer_name VARCHAR(100) NOT NULL,
        at {ts} NOT NULL,
        actor VARCHAR(100) NOT NULL,
        action VARCHAR(50) NOT NULL,
        field VARCHAR(50) NOT NULL DEFAULT '',
        old_value TEXT NOT NULL DEFAULT '',
        new_value TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX history_customer ON history (customer_id, at, id)",
    "CREATE INDEX invoice_open ON invoice (due_on) WHERE paid < amount",
    "CREATE INDEX customer_suspension_lifted ON customer (suspension_lifted_until) "
    "WHERE suspension_lifted_until IS NOT NULL",
    "CREATE INDEX customer_provisional ON customer (provisionally_terminated_at) "
    "WHERE provisionally_terminated_at IS NOT NULL AND terminated_at IS NULL",
    "CREATE INDEX customer_spending ON customer (spending_date) WHERE spent_today <> 0",
]
