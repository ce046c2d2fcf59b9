"""The xDRs and Accounts pages the list links to."""
from datetime import datetime

import pytest

from tests import factories
from tests.conftest import HTMX, csrf_headers, soup


def test_xdrs_page_lists_newest_first_with_a_way_back(client):
    c = factories.customer("Caller", currency="EUR")
    a = factories.account(c, number="4930123")
    factories.xdr(c, when=datetime(2026, 11, 1, 8, 0), amount="0.25", account=a)
    factories.xdr(c, when=datetime(2026, 11, 3, 9, 30), amount="1.00001")
    back = "/customers?scope=all&q=call"
    html = soup(client.get(f"/customers/{c.id}/xdrs", query_string={"back": back}))
    rows = [[td.get_text(strip=True) for td in tr.select("td")] for tr in html.select("#xdr-results tbody tr")]
    assert [r[0] for r in rows] == ["2026-11-03 09:30 UTC", "2026-11-01 08:00 UTC"]
    assert rows[0][-1] == "1.00001 EUR" and rows[1][1] == "4930123"
    assert html.select_one("a.back")["href"] == back


def test_xdrs_filtered_by_dates(client):
    c = factories.customer()
    for day in (1, 2, 3, 4):
        factories.xdr(c, when=datetime(2026, 11, day, 23, 59))
    html = soup(client.get(f"/customers/{c.id}/xdrs?from=2026-11-02&to=2026-11-03"))
    assert html.select_one("#xdr-results .count").get_text(strip=True) == "2 xDRs"
    fragment = client.get(f"/customers/{c.id}/xdrs?from=2026-11-04", headers=HTMX)
    assert soup(fragment).find("html") is None
    assert "from=2026-11-04" in fragment.headers["HX-Push-Url"]


def test_xdr_dates_must_be_dates(client):
    c = factories.customer()
    cases = (("from=yesterday", "from"), ("to=2026-13-01", "to"), ("from=2026-11-05&to=2026-11-01", "from"))
    for query, param in cases:
        response = client.get(f"/customers/{c.id}/xdrs?{query}")
        assert response.status_code == 400
        assert f"Invalid parameter “{param}”" in response.get_data(as_text=True)


def test_xdrs_paginate(client):
    c = factories.customer()
    for minute in range(55):
        factories.xdr(c, when=datetime(2026, 11, 1, 10, minute))
    html = soup(client.get(f"/customers/{c.id}/xdrs"))
    assert len(html.select("#xdr-results tbody tr")) == 50
    second = soup(client.get(html.select_one(".pager a[aria-label='Next page']")["href"]))
    assert len(second.select("#xdr-results tbody tr")) == 5


def test_accounts_page(client):
    c = factories.customer("Owner")
    factories.account(c, number="222")
    factories.account(c, number="111", blocked=True)
    html = soup(client.get(f"/customers/{c.id}/accounts?back=/customers%3Fq%3Down"))
    rows = [[td.get_text(strip=True) for td in tr.select("td")] for tr in html.select("tbody tr")]
    assert [r[:2] for r in rows] == [["111", "Blocked"], ["222", "Active"]]
    assert html.select_one("a.back")["href"] == "/customers?q=own"


def test_accounts_page_when_there_are_none(client):
    c = factories.customer("Lonely")
    assert "Lonely has no accounts." in soup(client.get(f"/customers/{c.id}/accounts")).get_text()


def test_unknown_customer_is_404(client):
    for url in ("/customers/999", "/customers/999/xdrs", "/customers/999/accounts", "/customers/999/delete"):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("path", ["", "/xdrs", "/accounts", "/delete", "/status-menu"])
def test_an_id_past_64_bits_is_a_404_not_a_500(client, path):
    response = client.get(f"/customers/99999999999999999999{path}")
    assert response.status_code == 404
    assert "Customer 99999999999999999999 does not exist" in response.get_data(as_text=True)


def test_id_past_64_bits_on_changes_is_a_404(client):
    headers = csrf_headers(client)
    assert client.delete("/customers/99999999999999999999", headers=headers).status_code == 404
    assert client.post("/customers/99999999999999999999/status", headers=headers,
                       data={"action": "block"}).status_code == 404


@pytest.mark.parametrize("path", ["xdrs", "accounts"])
@pytest.mark.parametrize("page", ["²", "-1", "0", "x"])
def test_odd_page_numbers_are_a_400(client, path, page):
    c = factories.customer("Paged")
    response = client.get(f"/customers/{c.id}/{path}", query_string={"page": page})
    assert response.status_code == 400
    assert "Invalid parameter “page”" in response.get_data(as_text=True)


def test_customer_page(client):
    r = factories.reseller("Parent")
    c = factories.customer("Child", reseller=r, blocked=True, suspended=True)
    html = soup(client.get(f"/customers/{c.id}"))
    assert html.h1.get_text(" ", strip=True) == "Child Blocked"
    assert "of reseller Parent" in html.get_text(" ", strip=True)
    assert "Suspended" in html.get_text()  # the lower-priority status is listed too
