"""Deep pages of broad searches: found another way on PostgreSQL, the same rows as the index walk."""
import random
from decimal import Decimal

import pytest
from peewee import fn

from data import search, search_pages
from data.db import is_postgres
from data.listing import Scope
from data.models import Customer
from data.search import Search
from data.search_backends import postgres
from tests import factories

SORTS = [("name", False), ("name", True), ("email", False), ("balance", True), ("available_funds", False),
         ("credit_limit", True), ("credit_limit", False), ("status", False), ("currency", True)]


@pytest.fixture
def many(database, monkeypatch):
    """60 customers, 40 of them "son"s; searches of more than 5 hits count as broad here."""
    monkeypatch.setattr(search_pages, "SORT_HITS_LIMIT", 5)
    rng = random.Random(4)
    owner = factories.reseller("Sonic Reseller")
    for n in range(59):
        name = f"{rng.choice(['Johnson', 'Anderson', 'Smith', 'Éric Sonné', 'Wilson'])} {n:02d}"
        factories.customer(name, email=f"{rng.choice(['a', 'b', 'son'])}{n}@example.org",
                           reseller=owner if n % 3 == 0 else None, blocked=n % 7 == 0,
                           balance_control=rng.choice(("prepaid", "postpaid")), currency=rng.choice(("USD", "EUR")),
                           balance=Decimal(rng.randrange(-500, 500)), available_funds=Decimal(rng.randrange(0, 9)),
                           credit_limit=rng.choice((None, Decimal(100), Decimal(0))))


def pages(scope, q, sort, per_page=4):
    found, page = [], 1
    while True:
        result = search_pages.find_page(Search(Scope(scope), q), sort, page, per_page)
        if result.page < page:
            return found
        found += [c.name for c in result.rows]
        page += 1


@pytest.mark.parametrize("sort", SORTS)
def test_every_page_is_the_walked_page(many, monkeypatch, sort):
    for scope, q in (("all", "son"), ("direct", "son"), ("all", "")):
        monkeypatch.setattr(postgres, "WALK_PER_MATCH", 10**9)  # always walk the sort index
        walked = pages(scope, q, sort)
        monkeypatch.setattr(postgres, "WALK_PER_MATCH", 0)  # sort the matches from page 1 on
        assert pages(scope, q, sort) == walked, (scope, q)
        assert len(walked) == search.count(Search(Scope(scope), q))


def test_deep_pages_of_a_broad_search_sort_the_matches_on_postgresql(many, monkeypatch):
    """PostgreSQL walked the name index to page 200 of "son" (a second at a million customers)."""
    if not is_postgres():
        pytest.skip("SQLite walks: against its FTS matches the walk stayed the cheaper way")
    broad = Search(Scope("all"), "son")
    total, rows = search.count(broad), Customer.select(fn.MAX(Customer.id)).scalar()
    # Ids need not start at 1 (a test database's sequences go on): walking to the 16th match
    # is where the test's threshold lies; page 1 reaches the 4th, page 9 the 36th.
    monkeypatch.setattr(postgres, "WALK_PER_MATCH", 16 * rows / total**2)
    fenced = []
    real = search_pages._fenced_ids
    monkeypatch.setattr(search_pages, "_fenced_ids", lambda *args: fenced.append(args) or real(*args))
    search_pages.find_page(broad, ("name", False), 1, 4)
    assert fenced == []  # page 1 walks: it stops after a few rows
    search_pages.find_page(broad, ("name", False), 9, 4)
    assert len(fenced) == 1
