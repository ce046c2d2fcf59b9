"""The activity log reads each page from an index in its order: no table scan, no sort.

That is what keeps a page deep in millions of rows as fast as the first (keyset on
``(at, id)``, indexes of m0013). PostgreSQL is told not to scan tables, not to sort
and not to use bitmap scans (on a small test table its planner rightly prefers
those): a filter that no ordered index serves still shows a Seq Scan or a Sort.
"""
from datetime import date, datetime, timedelta

import pytest

from data import activity
from data.access import Viewer
from data.activity import Cursor, Filters
from data.db import db, is_postgres
from data.records import History
from tests.conftest import analyze

ADMIN = Viewer("alice", "operator_admin")
RESELLER = Viewer("staff", "reseller_staff", 1, "R")
DISTRIBUTOR = Viewer("staff", "distributor_staff", 2, "D")
T0 = datetime(2026, 1, 1)
CASES = [
    (ADMIN, Filters()),
    (ADMIN, Filters(user="bob")),
    (ADMIN, Filters(action="block")),
    (ADMIN, Filters(source="import")),
    (ADMIN, Filters(customer="17")),
    (ADMIN, Filters(customer="smith")),
    (ADMIN, Filters(start=date(2026, 1, 2), end=date(2026, 1, 3))),
    (ADMIN, Filters(user="bob", action="block", start=date(2026, 1, 2))),
    (RESELLER, Filters()),
    (RESELLER, Filters(user="bob")),
    (DISTRIBUTOR, Filters(action="edit")),
]


@pytest.fixture
def populated(database):
    rows = [dict(customer_id=n % 40, customer_name=f"Customer {n % 40}", at=T0 + timedelta(minutes=n),
                 actor=("alice", "bob", "maintenance")[n % 3], action=("edit", "block", "payment", "create")[n % 4],
                 source=("web", "command", "maintenance", "import")[n % 4], reseller_id=1 if n % 5 == 0 else None,
                 distributor_id=2 if n % 7 == 0 else None, field="city", old_value="", new_value="x")
             for n in range(400)]
    with db.atomic():
        History.insert_many(rows).execute()
    analyze()
    return database


def _plan(viewer, filters, **cursor):
    sql, params = activity.query(viewer, filters, **cursor).limit(51).sql()
    if is_postgres():
        with db.atomic():
            for setting in ("enable_seqscan", "enable_sort", "enable_bitmapscan"):
                db.execute_sql(f"SET LOCAL {setting} = off")
            return [row[0] for row in db.execute_sql("EXPLAIN " + sql, params)]
    return [row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]


def _problems(plan, deep):
    if is_postgres():
        return [line for line in plan if "Seq Scan" in line or "Sort" in line]
    # Deep pages start at the cursor (SEARCH ... USING INDEX); the first page may walk an
    # index from its newest end (SCAN ... USING INDEX), which stops after one page.
    bad = [line for line in plan if "TEMP B-TREE" in line or ("USING" not in line and "history" in line)]
    if deep:
        bad += [line for line in plan if line.startswith("SCAN")]
    return bad


@pytest.mark.parametrize("viewer,filters", CASES)
@pytest.mark.parametrize("cursor", ["first", "before", "after"])
def test_every_page_is_read_in_index_order(populated, viewer, filters, cursor):
    where = {} if cursor == "first" else {cursor: Cursor(T0 + timedelta(minutes=200), 200)}
    plan = _plan(viewer, filters, **where)
    assert not _problems(plan, deep=cursor != "first"), "\n".join(plan)
