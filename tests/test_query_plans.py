"""The database answers each search operator from an index, not by reading every row.

Timings live in bench/search.py; this checks the plans, which is what makes those
timings hold at a million rows, on whichever backend the suite runs. PostgreSQL is
told to use bitmap index scans only (on a small test table its planner rightly
prefers reading everything, or walking a whole B-tree): an operator that no index
can serve still shows a Seq Scan.
"""
import pytest

from data import search
from data.conditions import build
from data.db import db, is_postgres
from data.listing import Scope
from data.search_sql import S
from tests import factories

ALL, DIRECT = Scope("all"), Scope("direct")
# (simple search text, condition): each must find its rows through an index.
INDEXED = [
    ("son", None),
    ("hammersmith", None),
    ("", ("name", "is", "John Smith")),
    ("", ("name", "begins_with", "john")),
    ("", ("last_name", "is", "smith")),
    ("", ("city", "begins_with", "lon")),
    ("", ("name", "contains", "son")),
    ("", ("address", "contains", "lane")),
    ("", ("email", "ends_with", ".org")),
    ("", ("fax", "ends_with", "12")),
    ("", ("fax", "is_empty", None)),
]


@pytest.fixture
def populated(database):
    # Enough rows that a planner with statistics prefers an index, as it does at a million.
    with db.atomic():
        for n in range(300):
            surname = "Johnson" if n % 10 == 0 else f"Miller{n}"
            factories.customer(f"Customer {n:03d} {surname}", first_name="John", last_name=surname,
                               email=f"c{n}@example.{'org' if n % 7 else 'com'}",
                               address=f"{n} Long Lane", city="London" if n % 5 else "Leeds")
    db.execute_sql("ANALYZE customer_search" if not is_postgres() else "ANALYZE")
    return database


def _sql(q, condition, scope):
    conditions = (build(*condition),) if condition else ()
    return search._query(search.Search(scope, q, conditions).compiled.parts_for().finish(), [S.customer]).sql()[0]


def _plan(q, condition, scope=ALL):
    conditions = (build(*condition),) if condition else ()
    parts = search.Search(scope, q, conditions).compiled.parts_for().finish()
    sql, params = search._query(parts, [S.customer]).sql()
    if is_postgres():
        with db.atomic():
            for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
                db.execute_sql(f"SET LOCAL {setting} = off")
            return [row[0] for row in db.execute_sql("EXPLAIN " + sql, params)]
    return [row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]


def _full_scans(plan):
    if is_postgres():
        return [line for line in plan if "Seq Scan" in line]
    # SCAN reads a whole table or index; FTS5's "SCAN customer_fts VIRTUAL TABLE INDEX" is its index.
    return [line for line in plan if line.startswith("SCAN ") and "VIRTUAL TABLE" not in line]


@pytest.mark.parametrize("scope", [ALL, DIRECT], ids=["all", "direct"])
def test_search_operators_use_an_index(populated, subtests, scope):
    for q, condition in INDEXED:
        with subtests.test(q=q, condition=condition):
            plan = _plan(q, condition, scope)
            text = "\n".join(plan)
            assert not _full_scans(plan), text
            # The default scope is answered by customer_search alone (issue 10: no join).
            assert "JOIN" not in _sql(q, condition, scope)
            substring = q or condition[1] in ("contains", "ends_with")
            if is_postgres():
                assert ("_trgm" if substring else "customer_search_") in text, text
            elif substring:
                assert "customer_fts" in text, text
            elif condition[0] == "name":
                # Names: the accent-free sort key's index finds candidates, the row decides.
                assert "USING INDEX customer_search_sort_name" in text, text
            else:
                assert "USING COVERING INDEX customer_search_" in text, text


def test_two_letter_substrings_are_known_to_scan(populated):
    """The list warns about these and runs them only on Search (issue 3); the plan says why."""
    assert search.Search(ALL, "jo").is_slow()
    if not is_postgres():
        assert _full_scans(_plan("jo", None))
