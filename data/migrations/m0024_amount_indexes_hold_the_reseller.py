"""The indexes of the three amounts hold the reseller too (issue 10).

Counting the direct customers (no reseller) with one amount condition, "balance > 300"
(670,000 of the 784,000 direct customers of a million, 36% of all under resellers and
distributors), read the reseller of every customer in one scan of customer_summary
(migration 0022): 45-56 ms, over the 50 ms a search may take. With ``reseller_id``
closing the amount's own index, that count is a range of it, index-only: 22 ms on
SQLite (the whole base's count, 8 ms, was already that range without the reseller);
"credit limit is empty" 44 -> 23 ms, "credit limit = 500" 41 -> 2.6 ms. On PostgreSQL
the count becomes an index-only scan too (87 -> 53 ms warm at a million). An entry
grows by a byte (a NULL reseller is a type code in its header), some 1 MB an index;
the sorts by amount read the same order as before (the reseller comes after the id).
"""

_AMOUNTS = {
    "customer_balance": "balance, id",
    "customer_available_funds": "available_funds, id",
    "customer_credit_limit": "(credit_limit IS NULL), credit_limit, id",
}
_INDEXES = [statement for name, columns in _AMOUNTS.items() for statement in (
    f"DROP INDEX {name}", f"CREATE INDEX {name} ON customer ({columns}, reseller_id)")]

STATEMENTS = {
    # SQLite's planner reads an index's statistics, which ANALYZE of the index alone makes.
    "sqlite": _INDEXES + [f"ANALYZE {name}" for name in _AMOUNTS],
    "postgresql": _INDEXES,
}
