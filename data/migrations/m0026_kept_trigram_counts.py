"""Kept counts of 3-character substrings too (issue 10).

A simple search of three characters is the broadest one a trigram index answers, and
every search typed into the box passes through it ("joh" before "john"). Its count
listed every match: "son" (172,000 of a million) took 175-400 ms on PostgreSQL, whose
bitmap of eleven trigram indexes rechecks each row, and 10-20 ms of FTS5 postings on
SQLite. ``customer_gram`` (migrations 0017, 0021) now also counts, per ``direct``, the
customers holding each 3-character gram in a simple-search field, so that count is one
lookup in the direct and the whole scope, as for 0-2 characters. Each customer holds
some 60 distinct ones (against some 90 of 1-2 characters); at a million customers there
are some 50,000 distinct 3-character grams.

The triggers of migration 0021 are made again counting grams of up to 3 characters;
the 3-character grams of the customers already there are counted here in Python, in
batches (as migration 0017 did for the shorter ones): some 40 s at a million.

SQLite's triggers are also made again with their row's values as the outer loop (CROSS
JOIN): SQLite had planned the positions table outside, scanning all 1,024 positions and
parsing the row's JSON array for each, so every save of a search row spent 8.5 ms on its
grams (an edit, counting the old row and the new, 16 ms at a million customers). Now
0.3 ms a row with the 3-character grams; an edit of two fields 16.4 -> 1.7 ms.
"""
from collections import Counter

from ..db import db, is_postgres
from .m0021_kept_blanks_and_suffixes import SIMPLE_FIELDS, pg_functions, sqlite_triggers

LONGEST = 3


def _fill():
    """Count the 3-character grams of the customers already there, a batch of rows at a time."""
    counts = {True: Counter(), False: Counter()}
    columns = ", ".join(SIMPLE_FIELDS)
    mark, last = db.param, -1
    # Keyset batches: a PostgreSQL cursor would hold every row in memory at once.
    while rows := db.execute_sql(f"SELECT id, direct, {columns} FROM customer_search WHERE id > {mark} "
                                 "ORDER BY id LIMIT 5000", [last]).fetchall():
        for _, direct, *values in rows:
            counts[bool(direct)].update({value[i:i + LONGEST] for value in values
                                         for i in range(len(value) - LONGEST + 1)})
        last = rows[-1][0]
    # No 3-character key was kept before: every row is new (blank keys are longer).
    db.cursor().executemany(f"INSERT INTO customer_gram (direct, gram, n) VALUES ({mark}, {mark}, {mark})",
                            [(direct if is_postgres() else int(direct), gram, n)
                             for direct, grams in counts.items() for gram, n in grams.items()])


STATEMENTS = {
    "sqlite": [
        # The migration's transaction holds the write lock: nothing is written meanwhile.
        "DROP TRIGGER customer_search_gram_insert",
        "DROP TRIGGER customer_search_gram_delete",
        "DROP TRIGGER customer_search_gram_update",
        _fill,
        *sqlite_triggers(LONGEST),
    ],
    "postgresql": [
        # Writers wait for this transaction (readers do not): a row written between the new
        # functions and the fill would be counted twice or not at all.
        "LOCK TABLE customer_search IN SHARE MODE",
        *pg_functions(LONGEST),
        _fill,
        "ANALYZE customer_gram",
    ],
}
