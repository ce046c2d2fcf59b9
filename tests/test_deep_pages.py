"""Deep pages of broad searches: found another way on PostgreSQL, the same rows as the index walk."""
import random
from contextlib import nullcontext
from decimal import Decimal

import pytest
from peewee import fn

from data import page_walks, search, search_pages
from data.conditions import build
from data.db import db, is_postgres
from data.listing import Scope
from data.models import Customer
from data.search import Search
from data.search_backends import backend, postgres
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


def pages(scope, q, sort, per_page=4, conditions=()):
    found, page = [], 1
    while True:
        result = search_pages.find_page(Search(Scope(scope), q, conditions), sort, page, per_page)
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


def _statements(run):
    """The SQL of every statement ``run()`` sends, and what it returns."""
    seen, database = [], type(db.obj)
    real = database.execute_sql

    def spy(self, sql, params=None, *args, **kwargs):
        seen.append(sql)
        return real(self, sql, params, *args, **kwargs)

    database.execute_sql = spy
    try:
        return seen, run()
    finally:
        database.execute_sql = real


def _temporary_tables():
    return db.execute_sql("SELECT name FROM sqlite_temp_master WHERE type = 'table'").fetchall()


@pytest.mark.parametrize("sort", SORTS)
def test_every_page_is_the_same_with_the_matches_kept(many, monkeypatch, sort):
    """Every page past the first walks with the matches listed once (the thresholds made 0 here):
    the same rows, in the same order, as each listing its own, in every scope, with conditions."""
    conditions = (build("name", "contains", "son"), build("balance", "gt", "-100"),
                  build("email", "not_contains", "b1"))
    keeping = type(backend()).keeping_matches
    for scope, q, where in (("all", "son", ()), ("direct", "son", ()), ("all", "", conditions),
                            ("direct", "son", conditions[1:])):
        monkeypatch.setattr(page_walks, "CHECKED_WALK_ROWS", 0)
        monkeypatch.setattr(page_walks, "INDEX_CHECKED_WALK_ROWS", 0)
        kept = pages(scope, q, sort, conditions=where)
        monkeypatch.setattr(type(backend()), "keeping_matches", lambda self, terms, direct, few=None: nullcontext())
        assert kept == pages(scope, q, sort, conditions=where), (scope, q, where)
        assert len(kept) == search.count(Search(Scope(scope), q, where))
        monkeypatch.setattr(type(backend()), "keeping_matches", keeping)


def test_a_deep_page_lists_the_matches_of_the_text_index_once(many, monkeypatch):
    """SQLite: page 200 of "son" at a million listed its matches twice, for the count (14 ms)
    and for the walk's IN (38 ms with the walk); kept in a temporary table, once (30 ms, and
    12 for the walk). Page 1 keeps nothing: its walk checks the rows it passes."""
    if is_postgres():
        pytest.skip("SQLite's text index: PostgreSQL's trigram indexes serve each LIKE")
    monkeypatch.setattr(page_walks, "CHECKED_WALK_ROWS", 8)
    monkeypatch.setattr(page_walks, "INDEX_CHECKED_WALK_ROWS", 8)
    # Every e-mail is at example.org. (1-3 characters are counted from customer_gram, below.)
    broad = Search(Scope("direct"), "example")
    sent, first = _statements(lambda: search_pages.find_page(broad, ("name", False), 2, 4))
    assert not any("kept_matches" in sql for sql in sent), sent  # reach 8: not past the threshold
    sent, deep = _statements(lambda: search_pages.find_page(broad, ("name", False), 3, 4))
    assert [sql for sql in sent if "MATCH" in sql] == [
        'INSERT INTO temp."kept_matches" SELECT rowid FROM customer_fts WHERE customer_fts MATCH ?'], sent
    assert 'SELECT COUNT(*) FROM temp."kept_matches"' in sent, sent
    assert any('IN (SELECT id FROM temp."kept_matches")' in sql and "ORDER BY" in sql for sql in sent), sent
    assert _temporary_tables() == []
    assert deep.total == first.total == search.count(broad)
    assert [c.name for c in deep.rows] == pages("direct", "example", ("name", False))[8:12]
    # "son": its count is kept (migration 0026), so only the walk lists the matches, once, in its
    # own IN: a temporary table filled for it alone cost more (page 200 at a million: 622 -> 519
    # million instructions without it).
    sent, deep = _statements(lambda: search_pages.find_page(Search(Scope("direct"), "son"), ("name", False), 3, 4))
    matching = [sql for sql in sent if "MATCH" in sql]
    assert len(matching) == 1 and "kept_matches" not in matching[0] and "ORDER BY" in matching[0], sent
    assert not any("kept_matches" in sql for sql in sent), sent
    assert any("customer_gram" in sql for sql in sent), sent
    assert [c.name for c in deep.rows] == pages("direct", "son", ("name", False))[8:12]


def test_a_few_matches_are_listed_once_for_the_count_and_the_page(many, monkeypatch):
    """SQLite: a search for one customer's e-mail counted the phrase of its trigrams in the
    text index (25 ms at a million) and listed it again for the page; up to FEW_MATCHES are
    listed once, counted and sorted from that list. A broader search lists that many and
    goes on as before; the pages are the same either way."""
    if is_postgres():
        pytest.skip("SQLite's text index: PostgreSQL's trigram indexes serve each LIKE")
    rows = Customer.select(Customer.name, Customer.email).where(Customer.reseller.is_null())
    for q in ("1@example", "son1", "example", "zzqx"):
        expected = sorted((c for c in rows if q in c.email.casefold()), key=lambda c: c.name.casefold())
        few = len(expected) <= page_walks.FEW_MATCHES
        sent, page = _statements(lambda q=q: search_pages.find_page(Search(Scope("direct"), q), ("name", False), 1, 4))
        matches = [sql for sql in sent if "MATCH" in sql]
        assert matches[0] == "SELECT rowid FROM customer_fts WHERE customer_fts MATCH ? LIMIT ?", sent
        assert (len(matches) == 1) == few, q  # few: the page sorted from the list, or walked
        assert page.total == len(expected), q
        assert [c.name for c in page.rows] == [c.name for c in expected[:4]], q
    monkeypatch.setattr(page_walks, "FEW_MATCHES", 3)  # "example" (all of them) is broad now
    sent, page = _statements(lambda: search_pages.find_page(Search(Scope("direct"), "example"), ("name", False), 1, 4))
    assert [sql for sql in sent if "MATCH" in sql][:2] == [
        "SELECT rowid FROM customer_fts WHERE customer_fts MATCH ? LIMIT ?",
        "SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH ?"], sent
    assert not any("json_each" in sql for sql in sent)
    for scope, q in (("direct", "1@example"), ("all", "son1"), ("all", "example")):
        kept = pages(scope, q, ("email", True))
        monkeypatch.setattr(page_walks, "FEW_MATCHES", 0)
        assert kept == pages(scope, q, ("email", True)), (scope, q)
        monkeypatch.setattr(page_walks, "FEW_MATCHES", 3)


def test_matches_too_few_for_a_checked_walk_are_listed_once_for_the_count_and_the_page(many, monkeypatch):
    """SQLite: "johnson" at a million (14,764 matches) is too broad to be listed in Python
    and too narrow for a walk checking each row: the count listed the phrase's matches in the
    text index (11 ms), and the page listed them again. Where the kept counts of its trigrams
    bound the matches below what a checked walk needs, they are kept once for both; where
    nothing bounds them (the address is not counted), or the bound is too high, as before."""
    if is_postgres():
        pytest.skip("SQLite's text index: PostgreSQL's trigram indexes serve each LIKE")
    monkeypatch.setattr(page_walks, "FEW_MATCHES", 3)
    # 60 customers, pages of one: a checked walk is tried for page 1 of at least 60 matches.
    monkeypatch.setattr(page_walks, "CHECKED_WALK_ROWS", 1)
    kept = 'INSERT INTO temp."kept_matches" SELECT rowid FROM customer_fts WHERE customer_fts MATCH ?'
    for scope, q, conditions in (("direct", "johnson", ()), ("all", "ohnso", ()),
                                 ("all", "", (build("name", "contains", "johns"), build("email", "contains", "exa")))):
        query = Search(Scope(scope), q, conditions)
        sent, page = _statements(lambda query=query: search_pages.find_page(query, ("email", False), 1, 1))
        assert [sql for sql in sent if "MATCH" in sql] == [kept], (q, sent)
        assert 'SELECT COUNT(*) FROM temp."kept_matches"' in sent, sent
        assert _temporary_tables() == []
        expected = pages(scope, q, ("email", False), conditions=conditions)
        assert page.total == len(expected) == search.count(query) > 3, q
        assert [c.name for c in page.rows] == expected[:1], q
    unbounded = Search(Scope("all"), "", (build("address", "contains", "street"),))
    sent, _ = _statements(lambda: search_pages.find_page(unbounded, ("email", False), 1, 1))
    assert kept not in sent, sent
    monkeypatch.setattr(page_walks, "CHECKED_WALK_ROWS", 2000)   # a checked walk may meet the page: listed later
    sent, _ = _statements(lambda: search_pages.find_page(Search(Scope("all"), "ohnso"), ("email", False), 1, 1))
    assert kept not in sent, sent


def test_the_kept_matches_go_when_the_page_fails(many, monkeypatch):
    """A page that fails midway leaves no temporary table, and later counts read the text index."""
    if is_postgres():
        pytest.skip("SQLite's text index")
    broad = Search(Scope("all"), "example")  # every e-mail (1-3 characters: counts kept, no text index)
    expected = search.count(broad)
    monkeypatch.setattr(page_walks, "CHECKED_WALK_ROWS", 0)

    def broken(*args):
        raise RuntimeError("the walk failed")

    monkeypatch.setattr(search_pages, "_page_ids", broken)
    with pytest.raises(RuntimeError):
        search_pages.find_page(broad, ("name", False), 3, 4)
    assert _temporary_tables() == []
    sent, total = _statements(lambda: search.count(Search(Scope("all"), "example")))
    assert total == expected and any("customer_fts MATCH" in sql for sql in sent), sent


BOUNDED = [("all", "johns", ()), ("direct", "ÉRIC", ()), ("all", "", (build("name", "contains", "wilso"),)),
           ("direct", "son", (build("email", "ends_with", "ample.org"), build("name", "contains", "anders"))),
           ("all", "", (build("name", "contains", "johnso"), build("email", "not_contains", "son"))),
           ("all", "nobody", ())]


def test_few_matches_bounded_by_their_grams_are_counted_with_their_sorted_page(many, monkeypatch):
    """PostgreSQL: a search whose kept trigram counts show few matches (its page sorted from
    them) found them twice, for the count and for the page ("müller" at a million: 7 and 8 ms).
    Now one statement counts them in a window over the sorted page, and none is sent where
    no customer holds one of the grams; the pages, totals and the page past the end are the
    same as counted apart."""
    if not is_postgres():
        pytest.skip("SQLite keeps its text index's matches for the count and the page (page_walks)")
    monkeypatch.setattr(search_pages, "SORT_HITS_LIMIT", 30)
    for scope, q, conditions in BOUNDED:
        for sort in (("name", False), ("email", True), ("status", False), ("credit_limit", True)):
            windowed = [pages(scope, q, sort, per_page=per_page, conditions=conditions) for per_page in (1, 4)]
            with monkeypatch.context() as apart:
                apart.setattr(search_pages, "_bound", lambda *args: None)
                assert windowed == [pages(scope, q, sort, per_page=n, conditions=conditions) for n in (1, 4)], q
        query = Search(Scope(scope), q, conditions)
        sent, page = _statements(lambda query=query: search_pages.find_page(query, ("name", False), 2, 2))
        likes = [sql for sql in sent if " LIKE " in sql]
        total = search.count(query)
        # None at all where no customer holds one of the grams.
        assert likes == [] if q == "nobody" else len(likes) == 1 and "COUNT(*) OVER ()" in likes[0], sent
        assert page.total == total and page.page == min(2, max(1, -(-total // 2))), q
    past = Search(Scope("all"), "johns")
    assert search_pages.find_page(past, ("name", False), 99, 4).page == -(-search.count(past) // 4)


def test_a_page_is_counted_apart_where_no_gram_bounds_few_matches(many, monkeypatch):
    """Nothing counts the address's grams, and a bound above what is sorted says nothing:
    the count and the page (a walk) as before."""
    if not is_postgres():
        pytest.skip("PostgreSQL's pages: SQLite keeps its text index's matches")
    monkeypatch.setattr(postgres, "WALK_PER_MATCH", 10**9)  # a page of many matches is walked
    monkeypatch.setattr(postgres, "COUNTED_WALK_PER_MATCH", 10**9)  # with its count too
    for query in (Search(Scope("all"), "", (build("address", "contains", "street"),)), Search(Scope("all"), "exampl")):
        sent, _ = _statements(lambda query=query: search_pages.find_page(query, ("name", False), 1, 4))
        assert not any("OVER ()" in sql for sql in sent), sent


def test_the_table_size_is_looked_up_once_for_a_page(many, monkeypatch):
    """PostgreSQL weighs sorting a broad search's matches against walking the sort index
    twice for its first page (the grams' bound, then the walk), each by the table's size:
    one lookup, not one each."""
    if not is_postgres():
        pytest.skip("SQLite always walks: the table's size is never asked for")
    monkeypatch.setattr(postgres, "WALK_PER_MATCH", 10**9)  # neither weighing sorts: both are asked
    monkeypatch.setattr(postgres, "COUNTED_WALK_PER_MATCH", 10**9)
    weighed = []
    real = postgres.PostgreSQL.sorts_deep_page
    monkeypatch.setattr(postgres.PostgreSQL, "sorts_deep_page",
                        lambda self, *args, **kwargs: weighed.append(args[:2]) or real(self, *args, **kwargs))
    sent, page = _statements(lambda: search_pages.find_page(Search(Scope("all"), "johns"), ("name", False), 1, 4))
    assert len(weighed) == 2 and page.total > 5, weighed
    assert len([sql for sql in sent if "MAX(" in sql]) == 1, sent


def test_a_first_page_counted_with_its_matches_sorts_more_of_them_than_a_walk_alone():
    """PostgreSQL at a million customers, page 1 of 50: beside a count, which finds every match
    anyway, a walk of the name index was dearer than sorting up to some 30,000 of them in the
    counting statement (carter 74 -> 40 ms, miller 84 -> 43); without the count, sorting that
    many costs more than the walk."""
    weigh, million = postgres.PostgreSQL().sorts_deep_page, (lambda: 1_000_000)
    assert weigh(50, 20_000, million, counted=True) and weigh(50, 29_000, million, counted=True)
    assert not weigh(50, 20_000, million) and not weigh(50, 34_000, million, counted=True)
    assert weigh(50, 9_000, million)  # the walk alone is still weighed as before


def test_a_first_page_of_a_bound_only_a_counted_sort_takes_is_counted_with_it(many, monkeypatch):
    """PostgreSQL: where only the weighing with the count sorts the matches, page 1 is the
    window (its count included), later pages are counted and walked apart, and both give
    what the walk gives."""
    if not is_postgres():
        pytest.skip("PostgreSQL's pages: SQLite keeps its text index's matches")
    monkeypatch.setattr(postgres, "WALK_PER_MATCH", 10**9)  # a page of many matches is walked
    monkeypatch.setattr(postgres, "COUNTED_WALK_PER_MATCH", 0)  # unless its count comes with it
    query = Search(Scope("all"), "johns")
    sent, first = _statements(lambda: search_pages.find_page(query, ("name", False), 1, 4))
    likes = [sql for sql in sent if " LIKE " in sql]
    assert len(likes) == 1 and "COUNT(*) OVER ()" in likes[0], sent
    sent, second = _statements(lambda: search_pages.find_page(query, ("name", False), 2, 4))
    assert not any("OVER ()" in sql for sql in sent), sent
    monkeypatch.setattr(postgres, "COUNTED_WALK_PER_MATCH", 10**9)
    assert [c.name for c in first.rows] == [c.name for c in search_pages.find_page(query, ("name", False), 1, 4).rows]
    assert first.total == second.total == search.count(query) > 5
