"""Next and Previous find their page from the row beside it (``after`` / ``before``;
views/list_position.py, data/search_pages.py ``Seek``), not by counting past every match."""
import functools
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from data import listing, page_seek, search_pages
from data.search import Search
from tests import factories
from tests.conftest import HTMX, soup
from tests.snapshots import built_once
from views.list_position import encode

CURRENCIES = ("USD", "EUR", "GBP")


def _people(count=80):
    """Customers with ties in every sort: accents that sort alike, repeated currencies and
    balance controls, a quarter under a reseller (so ``direct`` splits the name ties too)."""
    owner = factories.reseller("Reseller Zed")
    made = []
    for n in range(count):
        first = ("Éric", "Eric", "Ann", "Bob")[n % 4]
        made.append(factories.customer(
            f"{first} Person {n // 4:02d}", email=f"p{n % 7}.{n}@example.org", currency=CURRENCIES[n % 3],
            balance_control=("prepaid", "postpaid", "postpaid")[n % 3], reseller=owner if n % 4 == 1 else None,
            balance=Decimal(n % 6) / 4, available_funds=Decimal(n % 5) / 8))
    return made


@pytest.fixture
def people(app):
    """``_people()``, built once for the run (tests/snapshots.py): ask for it before ``client``,
    which signs a user in, so that the database is still empty."""
    return built_once("list_position.people", _people)


@pytest.fixture
def sixty(app):
    """``_people(60)``, as ``people``."""
    return built_once("list_position.sixty", lambda: _people(60))


@functools.lru_cache(maxsize=2)
def _parsed(response):
    # A page's names and its pager links are read from one parse (most of this file's time).
    return soup(response)


def _names(response):
    return [a.get_text().strip() for a in _parsed(response).select("#results tbody td.id-col a")]


def _pager(response, label):
    link = _parsed(response).select_one(f".pager a[aria-label='{label}']")
    return link["href"] if link else None


SORTS = ["name", "-name", "email", "-email", "status", "currency", "-currency", "balance_control",
         "balance", "-balance", "available_funds", "-available_funds"]


@pytest.mark.parametrize("many", [False, True], ids=["few hits", "many hits"])
@pytest.mark.parametrize("sort", SORTS)
def test_next_and_previous_walk_the_same_pages_as_their_numbers(people, client, monkeypatch, sort, many):
    if many:  # the walk of the sort index from the row, not the matches sorted
        monkeypatch.setattr(search_pages, "SORT_HITS_LIMIT", 10)
    base = f"/customers?scope=all&q=person&sort={sort}&per_page=25"
    numbered = [_names(client.get(f"{base}&page={n}")) for n in (1, 2, 3, 4)]
    # Pages 3 and 4 are walked from the end (data/search_pages.py _page_ids): the same order.
    assert sum(numbered, []) == _names(client.get(base.replace("per_page=25", "per_page=100")))
    pages, url = [], base
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append(_names(response))
        url = _pager(response, "Next page")
        if url:
            assert "after=" in url
    assert pages == numbered
    back = []
    while url := _pager(response, "Previous page"):
        assert ("before=" in url) == (len(back) < 2)  # to page 1: its plain number
        response = client.get(url, headers=HTMX)
        back.append(_names(response))
    assert back == numbered[-2::-1]


@pytest.mark.parametrize("sort", ["credit_limit", "-credit_limit"])
def test_sorts_that_cannot_seek_keep_page_numbers(sixty, client, sort):
    for n, person in enumerate(sixty):
        person.credit_limit = None if n % 3 else n * 10   # no limit: sorted as the largest
        person.balance = n % 5
        person.save()
    response = client.get(f"/customers?scope=all&sort={sort}")
    assert urlsplit(_pager(response, "Next page")).query == f"scope=all&sort={sort}&page=2"
    base = f"/customers?scope=all&sort={sort}"
    numbered = sum((_names(client.get(f"{base}&per_page=25&page={n}")) for n in (1, 2, 3)), [])
    assert numbered == _names(client.get(f"{base}&per_page=100"))  # pages 2 and 3 walked from the end


def test_the_position_is_in_the_pushed_url_and_nowhere_else(sixty, client):
    first = client.get("/customers?scope=all")
    second_url = _pager(first, "Next page")
    second = client.get(second_url, headers=HTMX)
    assert second.headers["HX-Push-Url"] == second_url   # bookmarkable as reached
    here = parse_qs(urlsplit(second_url).query)["after"]
    for link in soup(second).select("#results a[href*='quick-look']"):  # the list kept beside the panel
        assert parse_qs(urlsplit(link["href"]).query)["after"] == here
    # Another sort, the first page: no position.
    for href in [a["href"] for a in soup(second).select("thead th a[href]")] + [_pager(second, "First page")]:
        assert "after=" not in href and "before=" not in href and "page=" not in href


def test_next_after_a_deletion_skips_nothing(sixty, client):
    people = sorted(sixty, key=lambda c: c.id)
    first = client.get("/customers?scope=all&sort=currency")
    following = _names(client.get("/customers?scope=all&sort=currency&page=2"))
    last_on_first = _names(first)[-1]
    victim = next(c for c in people if c.name == last_on_first)
    victim.delete_instance()
    # By number, page 2 would now begin with what was page 2's first row's neighbour.
    assert _names(client.get(_pager(first, "Next page"))) == following


@pytest.mark.parametrize("query", ["after=%%%", "after=bm90IGpzb24", "before=" + encode([]) + "x",
                                   "after=" + encode(["a"]) + "&before=" + encode(["a"])])
def test_a_bad_position_is_refused_with_a_message(sixty, client, query):
    response = client.get(f"/customers?scope=all&page=2&{query}")
    assert response.status_code == 400
    assert "first page" in soup(response).get_text() or "not both" in soup(response).get_text()


@pytest.mark.parametrize("keys", [["x"], ["x", 1, "not a number"], [1, 2, 3, 4], ["ann person", True, 10**30]])
def test_a_position_that_does_not_fit_the_sort_shows_the_numbered_page(sixty, client, keys):
    numbered = _names(client.get("/customers?scope=all&page=2"))
    response = client.get(f"/customers?scope=all&page=2&after={encode(keys)}")
    assert response.status_code == 200
    assert _names(response) == numbered


def test_a_position_past_the_last_row_shows_the_numbered_page(sixty, client):
    numbered = _names(client.get("/customers?scope=all&page=2"))
    response = client.get(f"/customers?scope=all&page=2&after={encode(['zzzz', 1, 10**6])}")
    assert _names(response) == numbered


def test_a_sought_page_is_not_counted_from_the_start(sixty, database, monkeypatch):
    """data/: the page after a row is walked from it (offset 0), the same rows as by number."""
    search = Search(listing.Scope("all"), "person", (), None)
    offsets = []
    real = search_pages._sorted_ids

    def spy(search, sort, offset, *args, **kwargs):
        offsets.append(offset)
        return real(search, sort, offset, *args, **kwargs)

    monkeypatch.setattr(search_pages, "_sorted_ids", spy)
    second = search_pages.find_page(search, ("name", False), 2, 20)
    third = search_pages.find_page(search, ("name", False), 3, 20)
    offsets.clear()
    sought = search_pages.find_page(search, ("name", False), 3, 20, page_seek.Seek(second.last_keys))
    assert offsets == [0]
    assert [c.id for c in sought.rows] == [c.id for c in third.rows]
    assert (sought.page, sought.total) == (3, 60)
    back = search_pages.find_page(search, ("name", False), 2, 20, page_seek.Seek(third.first_keys, after=False))
    assert [c.id for c in back.rows] == [c.id for c in second.rows]
    assert isinstance(second.last_keys[0], str) and type(second.last_keys[1]) is int  # direct: 0 or 1


def test_position_in_a_query_string_round_trips(sixty, client):
    url = _pager(client.get("/customers?scope=all&q=person"), "Next page")
    params = parse_qs(urlsplit(url).query)
    assert set(params) == {"scope", "q", "page", "after"} and params["page"] == ["2"]


def test_a_page_nearer_the_end_is_walked_from_it(sixty, database, monkeypatch):
    """data/: the last page by its number (the pager's Last) is walked from the end, the other
    way, not past every match before it; the rows come in the page's own order."""
    monkeypatch.setattr(search_pages, "SORT_HITS_LIMIT", 5)  # a broad search here (few are sorted whole)
    search = Search(listing.Scope("all"), "person", (), None)
    whole = [c.id for c in search_pages.find_page(search, ("email", True), 1, 100).rows]
    walks = []
    real = search_pages._sorted_ids

    def spy(search, sort, offset, limit, *args, **kwargs):
        walks.append((sort, offset, limit))
        return real(search, sort, offset, limit, *args, **kwargs)

    monkeypatch.setattr(search_pages, "_sorted_ids", spy)
    last = search_pages.find_page(search, ("email", True), 3, 25)
    assert walks == [(("email", False), 0, 10)]
    assert [c.id for c in last.rows] == whole[50:]
    walks.clear()
    second = search_pages.find_page(search, ("email", True), 2, 25)
    assert walks == [(("email", False), 10, 25)]   # 10 after it, 25 before it
    assert [c.id for c in second.rows] == whole[25:50]
