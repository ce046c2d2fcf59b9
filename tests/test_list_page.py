"""The /customers page over HTTP: page vs fragment, scopes, search, sort, pages, errors."""
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from data import listing
from tests import factories
from tests.conftest import HTMX, soup

# A row's cells past the bulk actions' tick box (issue 13).
CELLS = "td:not(.select-col)"


def row_names(response):
    return [a.get_text().strip() for a in soup(response).select("#results tbody td.id-col a")]


def test_full_page_then_fragment(client):
    factories.customer("Alice")
    page = client.get("/customers")
    assert page.status_code == 200
    html = soup(page)
    assert html.find("form", id="search-form") and html.title
    assert "HX-Request" in page.headers["Vary"]
    fragment = client.get("/customers", headers=HTMX)
    assert fragment.status_code == 200
    assert "HX-Request" in fragment.headers["Vary"]
    part = soup(fragment)
    assert part.find("html") is None and part.find("form", id="search-form") is None
    assert part.find("section", id="results") is not None
    assert fragment.headers["HX-Push-Url"] == "/customers"
    # The live count and the hidden sort are updated out of band.
    assert part.find(id="result-count")["data-hx-swap-oob"] == "innerHTML"
    assert part.find(id="sort")["data-hx-swap-oob"] == "true"


def test_history_restore_gets_the_whole_page(client):
    response = client.get("/customers", headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert soup(response).find("form", id="search-form") is not None


def test_columns_are_the_spec_columns(client):
    factories.customer("Alice")
    head = soup(client.get("/customers")).select("#results thead th")
    # First the bulk actions' "select all on this page" box (issue 13), then the spec's columns.
    assert head[0].find("input", type="checkbox")["aria-label"] == "Select all on this page"
    headers = [th.get_text(" ", strip=True) for th in head[1:]]
    assert headers == ["xDRs", "ID", "Accounts", "Currency", "Balance Control", "Available Funds", "Balance",
                       "Credit Limit", "Email", "Status", "Delete"]


def test_row_shows_money_by_balance_control(client):
    factories.customer("Pre", balance_control="prepaid", available_funds=Decimal("12.5"), balance=Decimal("99"),
                       currency="EUR", email="pre@example.org")
    factories.customer("Post", balance_control="postpaid", balance=Decimal("-3.25"), available_funds=Decimal("7"),
                       credit_limit=Decimal("100"), currency="JPY")
    rows = {r.select(CELLS)[1].get_text(strip=True): [td.get_text(" ", strip=True) for td in r.select(CELLS)]
            for r in soup(client.get("/customers")).select("#results tbody tr")}
    assert rows["Pre"][3:9] == ["EUR", "Prepaid", "12.50 EUR", "", "—", "pre@example.org"]
    assert rows["Post"][3:8] == ["JPY", "Postpaid", "", "-3.25 JPY", "100 JPY"]


def test_status_label_only_when_not_active(client):
    factories.customer("Calm")
    factories.customer("Stopped", blocked=True)
    rows = {r.select(CELLS)[1].get_text(strip=True): r for r in soup(client.get("/customers")).select("tbody tr")}
    assert rows["Calm"].select(CELLS)[9].get_text(strip=True) == ""
    badge = rows["Stopped"].select_one("td .badge")
    assert badge.get_text(strip=True) == "Blocked" and "status-blocked" in badge["class"]


def test_only_rows_not_terminated_offer_a_status_change(client):
    """The row asks the model's is_terminated (no literal status code in the template)."""
    from datetime import datetime
    factories.customer("Open")
    factories.customer("Closed", terminated_at=datetime(2026, 1, 1))
    rows = {r.select(CELLS)[1].get_text(strip=True): r for r in soup(client.get("/customers")).select("tbody tr")}
    assert rows["Open"].select_one("a.row-status-link") is not None
    assert rows["Closed"].select_one("a.row-status-link") is None
    assert rows["Closed"].select_one(".badge").get_text(strip=True) == "Permanently terminated"


def test_accounts_icon_differs_without_accounts_and_links_work(client):
    with_accounts = factories.customer("Has")
    factories.account(with_accounts)
    factories.customer("Hasnt")
    rows = {r.select(CELLS)[1].get_text(strip=True): r for r in soup(client.get("/customers")).select("tbody tr")}
    assert rows["Has"].select_one("td:nth-of-type(4) use")["href"].endswith("#users")
    assert rows["Hasnt"].select_one("td:nth-of-type(4) use")["href"].endswith("#user-x")
    for row in rows.values():
        for link in row.select("a[href^='/customers/']"):
            assert client.get(link["href"]).status_code == 200, link["href"]


def test_scope_parameter(client):
    r = factories.reseller("Big Reseller")
    d = factories.distributor("Far Distributor")
    factories.customer("Mine")
    factories.customer("Theirs", reseller=r)
    factories.customer("Via", distributor=d)
    assert row_names(client.get("/customers")) == ["Big Reseller", "Far Distributor", "Mine", "Via"]
    assert row_names(client.get("/customers?scope=direct")) == ["Big Reseller", "Far Distributor", "Mine", "Via"]
    assert len(row_names(client.get("/customers?scope=all"))) == 5
    assert row_names(client.get("/customers?scope=reseller:Big Reseller")) == ["Theirs"]
    assert row_names(client.get("/customers?scope=distributor:Far Distributor")) == ["Via"]


def test_scope_form_fields_redirect_to_the_canonical_url(client):
    factories.reseller("Big Reseller")
    response = client.get("/customers?scope=reseller&owner=Big+Reseller&q=&sort=name&per_page=50")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {"scope": ["reseller:Big Reseller"]}
    fragment = client.get("/customers?scope=reseller&owner=Big+Reseller&q=xyz", headers=HTMX)
    assert parse_qs(urlsplit(fragment.headers["HX-Push-Url"]).query) == {"scope": ["reseller:Big Reseller"],
                                                                         "q": ["xyz"]}


def test_choosing_a_scope_kind_without_owner_prompts(client):
    response = client.get("/customers?scope=reseller&owner=", headers=HTMX)
    assert response.status_code == 200
    assert "Type or pick the reseller" in response.get_data(as_text=True)
    assert "HX-Push-Url" not in response.headers


def test_owner_picker_lists_matching_names(client):
    factories.reseller("Alpha Reseller")
    factories.reseller("Beta Reseller")
    factories.distributor("Alpha Distributor")
    options = soup(client.get("/customers/owners?scope=reseller&owner=alp", headers=HTMX)).find_all("option")
    assert [o["value"] for o in options] == ["Alpha Reseller"]
    page = soup(client.get("/customers?scope=distributor:Alpha Distributor"))
    assert page.find(id="owner")["value"] == "Alpha Distributor"
    assert page.find(id="scope-kind").find("option", selected=True)["value"] == "distributor"


def test_the_picker_of_a_shown_owner_offers_it_without_a_lookup(client, monkeypatch):
    """The list of an owner's customers names that owner in the picker, whose first option it
    is, without looking up names containing it (unique names: only longer ones could); a
    fragment has no picker and looks up nothing; a text not yet an owner is still looked up."""
    factories.reseller("Alpha Reseller")
    factories.reseller("Alpha Reseller Two")
    looked_up = []
    real = listing.owner_choices
    monkeypatch.setattr(listing, "owner_choices", lambda *a, **k: looked_up.append(a) or real(*a, **k))
    page = soup(client.get("/customers?scope=reseller:Alpha Reseller"))
    assert [o["value"] for o in page.select("datalist#owner-options option")] == ["Alpha Reseller"]
    client.get("/customers?scope=reseller:Alpha Reseller&q=x", headers=HTMX)
    assert looked_up == []
    prompt = soup(client.get("/customers?scope=reseller&owner=alpha"))
    assert [o["value"] for o in prompt.select("datalist#owner-options option")] == ["Alpha Reseller",
                                                                                    "Alpha Reseller Two"]
    assert looked_up == [("reseller", "alpha")]


def test_simple_search_and_count(client):
    factories.customer("Eric Smith", email="eric@example.org")
    factories.customer("Erica Jones")
    factories.customer("Bob", city="Americana")
    factories.customer("Zed")
    response = client.get("/customers?q=ERIC")
    assert row_names(response) == ["Bob", "Eric Smith", "Erica Jones"]
    count = soup(response).find(id="result-count")
    assert count["aria-live"] == "polite" and count.get_text(strip=True).startswith("3 customers")
    assert soup(response).find(id="q")["value"] == "ERIC"


@pytest.mark.parametrize("q,found", [("müller", "MÜLLER GmbH"), ("ÉRIC", "éric"), ("100%", "100% Fibre"),
                                     ("a_b", "a_b ltd"), ("O'B", "O'Brien"), ("\\", "back\\slash")])
def test_search_rules_over_http(client, q, found):
    for name in ("MÜLLER GmbH", "muller", "éric", "eric", "100% Fibre", "1000 Fibre", "a_b ltd", "axb ltd",
                 "O'Brien", "back\\slash"):
        factories.customer(name)
    assert row_names(client.get("/customers", query_string={"q": q})) == [found]


def test_empty_state(client):
    factories.customer("Someone")
    html = soup(client.get("/customers?q=nobody-like-this"))
    empty = html.select_one("#results .empty")
    assert "No customers match “nobody-like-this”" in empty.get_text(" ", strip=True)
    assert html.select_one("#results table") is None
    assert html.find(id="result-count").get_text(strip=True) == "0 customers"
    assert empty.find("a", string="Search all customers")["href"] == "/customers?scope=all&q=nobody-like-this"


def test_sort_links_and_direction(client):
    for name, balance in (("b", "1"), ("a", "3"), ("c", "2")):
        factories.customer(name, balance=Decimal(balance))
    html = soup(client.get("/customers?sort=balance"))
    assert row_names(client.get("/customers?sort=balance")) == ["b", "c", "a"]
    assert row_names(client.get("/customers?sort=-balance")) == ["a", "c", "b"]
    balance_th = [th for th in html.select("thead th") if th.get_text(strip=True) == "Balance"][0]
    assert balance_th["aria-sort"] == "ascending"
    assert balance_th.a["href"] == "/customers?sort=-balance"
    assert balance_th.a["data-hx-push-url"] == "true"


def test_pages_and_page_size(client):
    for n in range(60):
        factories.customer(f"Customer {n:02d}")
    first = client.get("/customers")
    assert len(row_names(first)) == 50
    assert "Page 1 of 2" in soup(first).select_one(".pager").get_text()
    second = client.get("/customers?page=2")
    assert row_names(second) == [f"Customer {n}" for n in range(50, 60)]
    assert len(row_names(client.get("/customers?per_page=25&page=3"))) == 10
    next_link = soup(first).select_one(".pager a[aria-label='Next page']")
    # Next starts after the page's last row (views/list_position.py; tests/test_list_position.py).
    assert next_link["href"].startswith("/customers?page=2&after=")
    assert next_link["data-hx-get"] == next_link["href"]
    stale = client.get("/customers?page=7")
    assert stale.status_code == 302 and stale.headers["Location"] == "/customers?page=2"


def test_every_state_is_a_url(client):
    r = factories.reseller("R")
    for n in range(30):
        factories.customer(f"Sub {n:02d}", reseller=r)
    url = "/customers?scope=reseller:R&q=sub&sort=-name&per_page=25&page=2"
    response = client.get(url, headers=HTMX)
    assert response.headers["HX-Push-Url"] == url
    assert row_names(client.get(url)) == [f"Sub {n:02d}" for n in range(4, -1, -1)]


@pytest.mark.parametrize("query,param", [
    ("scope=everyone", "scope"), ("scope=reseller:Ghost", "scope"), ("sort=colour", "sort"),
    ("page=0", "page"), ("page=abc", "page"), ("per_page=13", "per_page"), ("q=" + "x" * 201, "q"),
])
def test_bad_parameters_are_a_400_naming_them(client, query, param):
    for headers in ({}, HTMX):
        response = client.get("/customers?" + query, headers=headers)
        assert response.status_code == 400
        text = soup(response).select_one("#results [role=alert]").get_text(" ", strip=True)
        assert f"Invalid parameter “{param}”" in text
        assert "Traceback" not in response.get_data(as_text=True)
    assert client.get("/customers?" + query, headers=HTMX).headers["HX-Push-Url"] == "false"


def test_bad_input_keeps_what_was_typed(client):
    html = soup(client.get("/customers?scope=reseller:Ghost&q=abc"))
    assert html.find(id="q")["value"] == "abc"
    assert html.find(id="owner")["value"] == "Ghost"


def test_typing_updates_the_history_entry_settled_searches_add_one(client):
    """Issue 11 #18: one history entry per settled search (static/js/search-history.js marks typing)."""
    factories.customer("Alice")
    pushed = client.get("/customers?q=ali", headers=HTMX)
    assert pushed.headers["HX-Push-Url"] == "/customers?q=ali" and "HX-Replace-Url" not in pushed.headers
    typing = client.get("/customers?q=alic", headers={**HTMX, "X-History": "replace"})
    assert typing.headers["HX-Replace-Url"] == "/customers?q=alic" and "HX-Push-Url" not in typing.headers
    assert "X-History" in typing.headers["Vary"]
    again = client.get("/customers?q=alic&owner=", headers={**HTMX, "HX-Current-URL": "http://x/customers?q=alic"})
    assert "HX-Push-Url" not in again.headers  # the address it already shows: no second entry
    short = client.get("/customers?q=a", headers=HTMX)  # not run while typing, but the address follows the box
    assert short.headers["HX-Push-Url"] == "/customers?q=a"


def test_back_and_forward_are_rendered_from_the_url(client):
    """Issue 11 #18: htmx's snapshots kept results but not the typed box; Back asks the server instead."""
    import json
    page = soup(client.get("/customers"))
    config = json.loads(page.find("meta", attrs={"name": "htmx-config"})["content"])
    assert config["historyCacheSize"] == 0
    # Back pressed twice quickly: two restore requests could answer out of order and leave
    # the older page showing; a real page load per step lets the browser keep them in order.
    assert config["refreshOnHistoryMiss"] is True
    restored = soup(client.get("/customers?q=smith", headers={**HTMX, "HX-History-Restore-Request": "true"}))
    assert restored.find(id="q")["value"] == "smith"
    for name in ("search-history.js", "no-repeat-search.js"):  # the latter: tests/e2e (leaving the box)
        script = page.find("script", src=f"/static/js/{name}")
        assert script is not None
        served = client.get(script["src"])
        assert served.status_code == 200
        served.close()


def test_rows_are_drawn_without_loading_a_template_per_row(client, app, monkeypatch):
    """Each row was an include that also re-imported _macros.html: per row, that cost
    more than the page's queries. The rows are drawn by views/list_row.py, no template."""
    for n in range(30):
        factories.customer(f"Row {n:02d}")
    loads = []
    real = type(app.jinja_env).get_template

    def counting(env, name, *args, **kwargs):
        loads.append(getattr(name, "name", name))
        return real(env, name, *args, **kwargs)

    monkeypatch.setattr(type(app.jinja_env), "get_template", counting)
    assert len(row_names(client.get("/customers?per_page=25"))) == 25
    assert loads.count("_macros.html") <= 3 and len(loads) < 25, loads


def test_every_statement_of_a_list_page_is_logged_with_its_parameters(client, monkeypatch):
    """Peewee logs (sql, params) at DEBUG; log handlers (the peers' benchmark's SQL capture
    among them) read params as a sequence: None there made its list page a 500."""
    import logging

    from data import search_pages

    monkeypatch.setattr(search_pages, "SORT_HITS_LIMIT", 0)   # "many hits": the deep-page check too
    factories.customer("Ann Logged")
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.msg)

    logger, keep = logging.getLogger("peewee"), Keep()
    level = logger.level
    logger.addHandler(keep)
    logger.setLevel(logging.DEBUG)
    try:
        for url in ("/customers", "/customers?q=ann", "/customers?sort=-balance", "/customers?flt0_name_is=Ann+Logged"):
            assert client.get(url).status_code == 200
    finally:
        logger.removeHandler(keep)
        logger.setLevel(level)
    statements = [m for m in records if isinstance(m, tuple)]   # (the pool's messages are text)
    assert len(statements) > 20
    assert [sql for sql, params in statements if not isinstance(params, (list, tuple))] == []
