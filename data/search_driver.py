"""Which index finds a search's matches first, where the planner cannot tell (SQLite).

SQLite knows nothing of how many rows a LIKE prefix or an FTS5 match keeps. Given
"name contains son" (100,000 customers at a million), "email ends with .com" (most of
them) and "city begins with new" (17,000), it listed every "son" from the text index
and read each row (290 ms for the page), or walked the e-mail range. Counting a few
thousand entries of each B-tree range (a covering index, under a millisecond) and
the text index's hits up to that many tells which set is smallest; that range then
drives the count and the page, and the other conditions are checked on the rows it
reads (their substrings as LIKE on the folded columns, the text index left out).
"""
from peewee import SQL

from .search_backends import backend
from .search_sql import S

# A range is chosen to drive only up to this many entries: each is a row read at
# random (about 1.3 us at a million customers), so the worst case stays near 25 ms.
DRIVER_ROWS = 20_000


def _entries(condition, limit):
    """How many customer_search rows pass ``condition`` (one range of its B-tree), up to ``limit``."""
    return S.select(SQL("1")).where(condition).limit(limit).count()


def range_driver(parts):
    """The column whose B-tree range among ``parts.ranges`` holds the fewest customers,
    when that range holds at most DRIVER_ROWS and fewer than the text index's terms
    (``parts.match``) find; else None (the text index, or the planner's choice, drives).

    Only asked where the backend steers its planner, with no condition on the customer
    table (one there, a status say, may be narrower still and its index is not weighed)."""
    if len(parts.ranges) + bool(parts.match) < 2:
        return None
    best, fewest = None, DRIVER_ROWS + 1
    for column, condition in parts.ranges:
        entries = _entries(condition, fewest)
        if entries < fewest:
            best, fewest = column, entries
    if best is None:
        return None
    if parts.match and backend().count_terms(parts.match, parts.direct, limit=fewest + 1) <= fewest:
        return None
    return best
