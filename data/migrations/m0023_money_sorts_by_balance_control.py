"""The balance and available-funds sorts start in the customers they apply to (issue 10).

Sorted by available funds, the prepaid customers come first, then the others (balance:
the postpaid ones first; data/search_pages.py ``APPLIES_TO``). The first of those two
walks went down the ``(available_funds, id)`` index checking each row's balance control:
ascending, it passed the 195,000 postpaid customers whose funds are 0 before the first
prepaid one (page 1 of "son" by available funds at a million: 593 ms on SQLite, 621 on
PostgreSQL). With the balance control leading the index, that walk is a range of it.
The second walk, "is not", keeps the single-column index: a range has no "not equal".
"""

_INDEXES = [
    "CREATE INDEX customer_balance_control_balance ON customer (balance_control, balance, id)",
    "CREATE INDEX customer_balance_control_available_funds ON customer (balance_control, available_funds, id)",
]

STATEMENTS = {
    # SQLite's planner reads an index's statistics, which ANALYZE of the index alone makes.
    "sqlite": _INDEXES + ["ANALYZE customer_balance_control_balance",
                          "ANALYZE customer_balance_control_available_funds"],
    "postgresql": _INDEXES,
}
