"""Running totals of the customers per owner, status, currency and balance control (issue 13).

The list's status chips and money totals for a scope without a search ("All
customers", a reseller's customers) would otherwise count and add up every customer
of the scope on each request: at a million rows the status index alone is read for
~100 ms. ``customer_tally`` holds, for each (reseller, distributor, status,
currency, balance control), how many customers there are and the sums of their
balances, available funds and credit limits in stored units (integers: exact).
A scope's figures are then a sum over a few hundred rows (data/tallies.py).

Triggers keep it in step with every write, so no code path can forget it, the
bulk loads included:

* SQLite: row triggers, an UPSERT each (old values out, new values in). The UPDATE
  trigger only fires for the columns the tally reads.
* PostgreSQL: statement triggers over transition tables, one grouped UPSERT per
  statement (a COPY of a million rows is one), rows locked in key order so two
  writers cannot deadlock on them. A TRUNCATE of customer empties it too.

"No owner" is stored as 0 (a key column cannot be NULL). Rows that fall to zero
customers stay (a later customer reuses them); readers skip them.
"""

KEY = ("reseller_id", "distributor_id", "status", "currency", "balance_control")
SUMS = ("customers", "balance", "available_funds", "credit_limit", "credit_limits")
_key, _sums = ", ".join(KEY), ", ".join(SUMS)

TABLE = f"""CREATE TABLE customer_tally (
    reseller_id {{bigint}} NOT NULL,
    distributor_id {{bigint}} NOT NULL,
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


def _row(prefix, sign):
    """The tally row one customer (``new`` or ``old``) adds (sign 1) or takes away (-1)."""
    minus = "" if sign > 0 else "-"
    return (f"COALESCE({prefix}.reseller_id, 0), COALESCE({prefix}.distributor_id, 0), {prefix}.status, "
            f"{prefix}.currency, {prefix}.balance_control, {sign}, {minus}{prefix}.balance, "
            f"{minus}{prefix}.available_funds, {minus}COALESCE({prefix}.credit_limit, 0), "
            f"{minus}(CASE WHEN {prefix}.credit_limit IS NULL THEN 0 ELSE 1 END)")


_ADD = ", ".join(f"{name} = customer_tally.{name} + excluded.{name}" for name in SUMS)
_UPSERT = f"ON CONFLICT ({_key}) DO UPDATE SET {_ADD}"


def _sqlite_upsert(prefix, sign):
    return f"INSERT INTO customer_tally ({_key}, {_sums}) VALUES ({_row(prefix, sign)}) {_UPSERT};"


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


def _pg_function(name, parts):
    """A trigger function adding up ``parts`` (SELECTs of tally rows from transition tables)."""
    rows = " UNION ALL ".join(parts)
    sums = ", ".join(f"SUM({name_})" for name_ in SUMS)
    return f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO customer_tally ({_key}, {_sums})
        SELECT {_key}, {sums} FROM ({rows}) AS change ({_key}, {_sums})
        GROUP BY {_key} HAVING SUM(customers) <> 0 OR SUM(balance) <> 0 OR SUM(available_funds) <> 0
            OR SUM(credit_limit) <> 0 OR SUM(credit_limits) <> 0
        ORDER BY {_key}
        {_UPSERT};
        RETURN NULL;
    END $$"""


POSTGRESQL = [
    _pg_function("customer_tally_insert", [f"SELECT {_row('added', 1)} FROM new_rows AS added"]),
    _pg_function("customer_tally_delete", [f"SELECT {_row('removed', -1)} FROM old_rows AS removed"]),
    _pg_function("customer_tally_update", [f"SELECT {_row('removed', -1)} FROM old_rows AS removed",
                                           f"SELECT {_row('added', 1)} FROM new_rows AS added"]),
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

FILL = (f"INSERT INTO customer_tally ({_key}, {_sums}) "
        "SELECT COALESCE(reseller_id, 0), COALESCE(distributor_id, 0), status, currency, balance_control, "
        "COUNT(*), SUM(balance), SUM(available_funds), COALESCE(SUM(credit_limit), 0), COUNT(credit_limit) "
        "FROM customer GROUP BY 1, 2, 3, 4, 5")

STATEMENTS = {
    # TABLE's {bigint} is the runner's placeholder (data/migrations/__init__.py).
    "sqlite": [TABLE, FILL, *SQLITE],
    "postgresql": [TABLE, FILL, *POSTGRESQL],
}
