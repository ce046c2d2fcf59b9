"""A request compiles its search once (issue 12): the count, the page (both of its
plans), the balance sort's two walks and an export all write their SQL from it."""
from decimal import Decimal

import pytest

from data import search, search_pages
from tests import factories
from tests.conftest import csrf_headers, soup


@pytest.fixture
def compiles(monkeypatch):
    calls = []
    real = search.Search.compile

    def counting(self):
        calls.append(self)
        return real(self)

    monkeypatch.setattr(search.Search, "compile", counting)
    return calls


@pytest.fixture
def customers(database):
    reseller = factories.reseller("Acme")
    for n in range(6):
        factories.customer(f"Jones {n}", reseller=reseller if n % 2 else None, balance=Decimal(n),
                           balance_control="prepaid" if n % 3 == 0 else "postpaid", city="Leeds")
    return reseller


# One negative text condition (its count is |rest| - |positive|) and the balance sort
# (its page walks the postpaid customers, then counts them and walks the others).
URLS = [
    "/customers?scope=all&flt0_name_not_contains=smith&flt1_city_is=leeds&sort=-balance&per_page=25&page=1",
    "/customers?scope=reseller:Acme&q=jones&sort=available_funds",
    "/customers?scope=all&flt0_name_is_not=jones 1",
]


@pytest.mark.parametrize("plan", ["sort-hits", "walk-index"])
@pytest.mark.parametrize("url", URLS)
def test_a_list_page_compiles_its_search_once(client, customers, compiles, monkeypatch, url, plan):
    monkeypatch.setattr(search_pages, "SORT_HITS_LIMIT", 10**9 if plan == "sort-hits" else 0)
    response = client.get(url)
    assert response.status_code == 200 and soup(response).select("tbody tr")
    assert len(compiles) == 1


def test_an_export_compiles_its_search_once(client, customers, compiles):
    response = client.get("/customers.csv?scope=all&flt0_name_not_contains=smith")
    lines = response.get_data(as_text=True).count("\r\n")
    assert response.status_code == 200 and lines == 8  # the header, Acme and the six Joneses
    assert len(compiles) == 1


def test_a_delete_from_the_list_compiles_the_list_count_once(client, customers, compiles):
    gone = factories.customer("Gone")
    headers = csrf_headers(client)
    compiles.clear()
    response = client.delete(f"/customers/{gone.id}?scope=all&flt0_name_not_contains=smith", headers=headers)
    assert response.status_code == 200
    assert len(compiles) == 1


@pytest.mark.parametrize("path", ["/customers/status-counts", "/customers/totals"])
@pytest.mark.parametrize("url", URLS)
def test_the_lazy_counts_and_totals_compile_their_search_once(client, customers, compiles, path, url):
    """Each of the list's lazy requests compiles one search (the chips' leaves their own condition out)."""
    query = url.partition("?")[2]
    response = client.get(f"{path}?{query}&flt9_status_in=active,blocked", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert len(compiles) == 1


def test_counts_and_totals_of_a_plain_scope_compile_nothing(client, customers, compiles):
    for path in ("/customers/status-counts?scope=all", "/customers/totals?scope=reseller:Acme"):
        assert client.get(path, headers={"HX-Request": "true"}).status_code == 200
    assert compiles == []  # read from customer_tally
