"""SQLite: the columns of the status chips and money totals in one narrow index, keyed on the id.

The chips and totals of a text search (issue 13) add up every match: "son" is 135,000
of a million customers, each found through the full-text index by its id. Reading
the status and the amounts of each from its table row (39 columns, the status the
37th) cost 0.8-1.1 us a match: 150-225 ms for the chips of "son". The same lookup in
``customer_summary`` (the id, then only what the chips and totals read: 47 MB at a
million) is index-only and half that. SQLite's planner never picks it for a lookup by
id on its own: the backend names it (``SearchBackend.summary_source``).

Conditions on amounts alone ("balance > 300", 855,000 of a million) are summed from
it too, in one scan of its 47 MB: the totals walked the balance index and read each
row for 3.3 s, the chips the status index and each row for 0.5 s. ``reseller_id``
closes it, for the direct customers (NULL: one byte of the entry's header); their
count with such conditions scans it too (search.py), where the planner walked the
reseller index through every direct customer, row by row.

PostgreSQL gets nothing: there most of the time of those requests is the trigram
match and its recheck of each candidate row, not reading the customer rows.
"""

STATEMENTS = {
    "sqlite": [
        "CREATE INDEX customer_summary ON customer "
        "(id, status, currency, balance_control, balance, available_funds, credit_limit, reseller_id)",
        "ANALYZE customer_summary",
    ],
    "postgresql": [],
}
