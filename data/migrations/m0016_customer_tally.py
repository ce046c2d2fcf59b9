"""Running totals of the customers per owner, status, currency and balance control (issue 13).

The list's status chips and money totals for a scope without a search ("All
customers", a reseller's customers) would otherwise count and add up every customer
of the scope on each request: at a million rows the status index alone is read for
~100 ms, the amounts for far longer. ``customer_tally`` holds, per (owner key, status,
currency, balance control), how many customers there are and the sums of their
balances, available funds and credit limits in stored units (integers: exact).

Each customer counts under up to three owner keys, one per way the list scopes it:
``('a', 0)`` (all customers), ``('r', reseller id)`` (``('r', 0)``: direct customers)
and, when it has one, ``('d', distributor id)``. A scope's figures are then the few
dozen rows of its one key (statuses x currencies x balance controls), whatever the
table's size. Staff only ever list their own reseller's or distributor's customers,
which is one key too.

Triggers keep it in step with every write, so no code path can forget it, the
bulk loads included:

* SQLite: row triggers, one UPSERT over the customer's keys (old values out, new in).
  The UPDATE trigger only fires for the columns the tally reads.
* PostgreSQL: statement triggers over transition tables, one grouped UPSERT per
  statement (a COPY of a million rows is one), rows locked in key order so two
  writers cannot deadlock on them. A TRUNCATE of customer empties it too.

Rows that fall to zero customers stay (a later customer reuses them); readers skip them.
"""

KEY = ("owner_kind", "owner_id", "status", "currency", "balance_control")
SUMS = ("customers", "balance", "available_funds", "credit_limit", "credit_limits")
_key, _sums = ", ".join(KEY), ", ".join(SUMS)

TABLE = f"""CREATE TABLE customer_tally (
    owner_kind CHAR(1) NOT NULL,
    owner_id {{bigint}} NOT NULL,
    status VARCHAR(40) NOT NULL,
    currency VARCHAR(3) NOT NULL,
    balance_control VARCHAR(10) NOT NULL,
    customers {{bigint}} NOT NULL DEFAULT 0,
    balance {{bigint}} NOT NULL DEFAULT 0,
    available_funds {{bigint}} NOT NULL DEFAULT 0,
    credit_limit {{bigint}} NOT NULL DEFAULT 0,
    credit_limits {{bigint}} NOT NULL DEFAULT 0,
    PRIMARY KEY ({_key})
)"""


def _values(row, sign):
    """What one customer (``row``: new, old or a table alias) adds (sign 1) or takes away (-1)."""
    minus = "" if sign > 0 else "-"
    return (f"{row}.status, {row}.currency, {row}.balance_control, {sign}, {minus}{row}.balance, "
            f"{minus}{row}.available_funds, {minus}COALESCE({row}.credit_limit, 0), "
            f"{minus}(CASE WHEN {row}.credit_limit IS NULL THEN 0 ELSE 1 END)")


def _keys(row):
    """The owner keys of one customer, as a row source ``keys (kind, owner)`` (NULL: none)."""
    return (f"(SELECT 'a' AS kind, 0 AS owner UNION ALL SELECT 'r', COALESCE({row}.reseller_id, 0) "
            f"UNION ALL SELECT 'd', {row}.distributor_id) AS keys")


_ADD = ", ".join(f"{name} = customer_tally.{name} + excluded.{name}" for name in SUMS)
_UPSERT = f"ON CONFLICT ({_key}) DO UPDATE SET {_ADD}"


def _sqlite_upsert(row, sign):
    # "WHERE ... IS NOT NULL" also settles SQLite's parse of INSERT ... SELECT ... ON CONFLICT.
    return (f"INSERT INTO customer_tally ({_key}, {_sums}) SELECT keys.kind, keys.owner, {_values(row, sign)} "
            f"FROM {_keys(row)} WHERE keys.owner IS NOT NULL {_UPSERT};")


_WATCHED = "reseller_id, distributor_id, status, currency, balance_control, balance, available_funds, credit_limit"

SQLITE = [
    f"""CREATE TRIGGER customer_tally_insert AFTER INSERT ON customer BEGIN
        {_sqlite_upsert('new', 1)}
    END""",
    f"""CREATE TRIGGER customer_tally_delete AFTER DELETE ON customer BEGIN
        {_sqlite_upsert('old', -1)}
    END""",
    f"""CREATE TRIGGER customer_tally_update AFTER UPDATE OF {_WATCHED} ON customer BEGIN
        {_sqlite_upsert('old', -1)}
        {_sqlite_upsert('new', 1)}
    END""",
]


def _pg_rows(table, alias, sign):
    """Tally rows of every customer of a transition table, one per owner key."""
    return (f"SELECT keys.kind, keys.owner, {_values(alias, sign)} FROM {table} AS {alias} "
            f"CROSS JOIN LATERAL (VALUES ('a', 0::bigint), ('r', COALESCE({alias}.reseller_id, 0)), "
            f"('d', {alias}.distributor_id)) AS keys (kind, owner) WHERE keys.owner IS NOT NULL")


def _pg_function(name, parts):
    """A trigger function adding up ``parts`` (SELECTs of tally rows from transition tables)."""
    rows = " UNION ALL ".join(parts)
    sums = ", ".join(f"SUM({column})" for column in SUMS)
    changed = " OR ".join(f"SUM({column}) <> 0" for column in SUMS)
    return f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO customer_tally ({_key}, {_sums})
        SELECT {_key}, {sums} FROM ({rows}) AS change ({_key}, {_sums})
        GROUP BY {_key} HAVING {changed}
        ORDER BY {_key}
        {_UPSERT};
        RETURN NULL;
    END $$"""


POSTGRESQL = [
    _pg_function("customer_tally_insert", [_pg_rows("new_rows", "added", 1)]),
    _pg_function("customer_tally_delete", [_pg_rows("old_rows", "removed", -1)]),
    _pg_function("customer_tally_update", [_pg_rows("old_rows", "removed", -1), _pg_rows("new_rows", "added", 1)]),
    """CREATE FUNCTION customer_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM customer_tally;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER customer_tally_insert AFTER INSERT ON customer REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION customer_tally_insert()",
    "CREATE TRIGGER customer_tally_delete AFTER DELETE ON customer REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION customer_tally_delete()",
    # Transition tables cannot go with a column list (UPDATE OF ...): every UPDATE statement
    # runs it; one that changes none of the tallied columns adds up to nothing and writes nothing.
    "CREATE TRIGGER customer_tally_update AFTER UPDATE ON customer REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_tally_update()",
    "CREATE TRIGGER customer_tally_truncate AFTER TRUNCATE ON customer "
    "FOR EACH STATEMENT EXECUTE FUNCTION customer_tally_truncate()",
]

_GROUPED = ("status, currency, balance_control, COUNT(*), SUM(balance), SUM(available_funds), "
            "COALESCE(SUM(credit_limit), 0), COUNT(credit_limit) FROM customer")
_BY = "GROUP BY status, currency, balance_control"
FILL = (f"INSERT INTO customer_tally ({_key}, {_sums}) "
        f"SELECT 'a', 0, {_GROUPED} {_BY} "
        f"UNION ALL SELECT 'r', COALESCE(reseller_id, 0), {_GROUPED} {_BY}, COALESCE(reseller_id, 0) "
        f"UNION ALL SELECT 'd', distributor_id, {_GROUPED} WHERE distributor_id IS NOT NULL {_BY}, distributor_id")

STATEMENTS = {
    # TABLE's {bigint} is the runner's placeholder (data/migrations/__init__.py).
    "sqlite": [TABLE, FILL, *SQLITE],
    "postgresql": [TABLE, FILL, *POSTGRESQL],
}
