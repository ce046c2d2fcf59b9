"""SQLite: an index of the folded name, for its short substrings and its prefixes (issue 10).

Contains under 3 characters, Ends with under 2 and their negations are tested on every
customer's row: no trigram can find them. Each other text field's B-tree ``(field,
direct)`` (migrations 0001, 0005, searchable.py) already holds every value it tests, so
SQLite counts those by scanning that index; the name had only its sort index, which holds
the name without accents, and was counted by reading the whole ``customer_search`` table
(208 MB at a million). "name contains er" at a million (300,000 matches): 187 -> 84-94
ms, "does not contain er" 194 -> 83-95, "ends with r" 355 -> 155-185.

Is and Begins with on the name test the accent-free key and the name (search_sql.Parts._name);
with the key as the entry's last column, their counts are ranges of this index alone
("begins with john", 6,652 matches: 12.7 -> 1.2 ms) where the sort index's range read each
row. The index is 48 MB at a million (29 MB without the key).

PostgreSQL's sort index already includes the name (migration 0025), and its planner
scans the table for the short substrings either way (parallel, about as fast).
"""

STATEMENTS = {
    "sqlite": [
        # The rowid (the customer id) ends every entry, as in migration 0005's indexes.
        "CREATE INDEX customer_search_name ON customer_search (name, direct, sort_name)",
        # Statistics for the planner, but never for the FTS shadow tables (see migration 0002).
        "ANALYZE customer_search",
    ],
    "postgresql": [],
}
