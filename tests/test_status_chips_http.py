"""The list as a workspace (issue 13) over HTTP: Is any of (flt<n>_status_in), the status
chips and the money totals (lazy fragments, pages without JS), and the Owner column."""
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from data.models import Customer
from tests import factories
from tests.conftest import HTMX, csrf_headers, soup
from tests.test_list_page import row_names


@pytest.fixture
def mixed(database):
    acme = factories.reseller("Acme Ltd")
    dist = factories.distributor("Dist Co")
    factories.customer("Ann Blocked", blocked=True, balance=Decimal("10.25"))
    factories.customer("Ben Suspended", suspended=True, reseller=acme, currency="EUR", balance=Decimal("3"))
    factories.customer("Cat Over", credit_limit=Decimal("5"), balance=Decimal("7.10"), distributor=dist)
    factories.customer("Dan Prepaid", balance_control="prepaid", available_funds=Decimal("12.34567"))
    factories.customer("Eve Empty", balance_control="prepaid", available_funds=Decimal("0"), reseller=acme,
                       distributor=dist)
    factories.customer("Fay Fine", credit_limit=Decimal("100"), balance=Decimal("-2.5"))
    return {"acme": acme, "dist": dist}


def query(url):
    return parse_qs(urlsplit(url).query)


# --- Is any of -----------------------------------------------------------------------------

def test_status_in_ors_the_statuses_and_ands_the_rest(client, mixed):
    assert row_names(client.get("/customers?scope=all&flt0_status_in=blocked,suspended")) == [
        "Ann Blocked", "Ben Suspended"]
    assert row_names(client.get("/customers?scope=all&flt0_status_in=blocked,suspended&q=ben")) == ["Ben Suspended"]
    assert row_names(client.get("/customers?flt0_status_in=suspended,blocked")) == ["Ann Blocked"]  # direct only


def test_status_in_is_written_in_the_tables_order(client, mixed):
    response = client.get("/customers?scope=all&flt0_status_in=suspended, blocked", headers=HTMX)
    assert query(response.headers["HX-Push-Url"])["flt0_status_in"] == ["blocked,suspended"]


@pytest.mark.parametrize("value,words", [("sleepy", "“sleepy” is not a status"),
                                         ("blocked,nope,zzz", "“nope”, “zzz” are not a status"),
                                         (",", "needs at least one status")])
def test_unknown_statuses_are_a_400_naming_the_parameter(client, mixed, value, words):
    for path in ("/customers", "/customers.csv", "/customers/status-counts", "/customers/totals"):
        response = client.get(f"{path}?scope=all&flt0_status_in={value}")
        assert response.status_code == 400, path
        text = response.get_data(as_text=True)
        assert "flt0_status_in" in text and words in text.replace("&#34;", '"'), path


def test_status_in_works_in_the_csv_export(client, mixed):
    lines = client.get("/customers.csv?scope=all&flt0_status_in=blocked,credit_exceeded").get_data(as_text=True)
    names = [line.split(",")[0] for line in lines.splitlines()[1:]]
    assert names == ["Ann Blocked", "Cat Over"]


def test_the_form_offers_is_any_of_with_checkboxes(client, mixed):
    page = soup(client.get("/customers?scope=all&flt0_status_in=blocked,suspended"))
    row = page.select_one("#condition-0")
    assert row.select_one("select[name=co0] option[selected]")["value"] == "in"
    boxes = row.select("fieldset input[type=checkbox][name=cv0]")
    assert len(boxes) == 11 and all(box.find_parent("label") for box in boxes)
    assert [b["value"] for b in boxes if b.has_attr("checked")] == ["blocked", "suspended"]
    assert row.select_one("fieldset legend").get_text(strip=True).startswith("Values of condition 1")


def test_the_form_sends_ticked_boxes_as_one_condition(client, mixed):
    # Without JS: a plain submit of the form lands on the canonical URL.
    response = client.get("/customers?scope=all&cf0=status&ck0=status:many&co0=in&cv0=blocked&cv0=credit_exceeded")
    assert response.status_code == 302
    assert query(response.headers["Location"])["flt0_status_in"] == ["blocked,credit_exceeded"]
    assert row_names(client.get(response.headers["Location"])) == ["Ann Blocked", "Cat Over"]


def test_switching_to_is_any_of_redraws_the_row_with_checkboxes(client, mixed):
    response = client.get("/customers?scope=all&cf0=status&ck0=status:value&co0=in&cv0=blocked", headers=HTMX)
    redrawn = soup(response).select_one("#condition-0")
    assert redrawn["data-hx-swap-oob"] == "outerHTML"
    assert [b["value"] for b in redrawn.select("input[type=checkbox][checked]")] == ["blocked"]
    # And back to Is: the first ticked status stays chosen.
    back = client.get("/customers?scope=all&cf0=status&ck0=status:many&co0=is&cv0=blocked&cv0=suspended",
                      headers=HTMX)
    row = soup(back).select_one("#condition-0")
    assert row.select_one("select[name=cv0] option[selected]").get("value") == "blocked"


def test_no_box_ticked_is_no_condition_yet(client, mixed):
    response = client.get("/customers?scope=all&cf0=status&ck0=status:many&co0=in", headers=HTMX)
    assert response.status_code == 200 and len(row_names(response)) == 8


# --- the chips -------------------------------------------------------------------------------

def chips(response):
    return {a["id"].removeprefix("chip-"): a for a in soup(response).select(".status-chips a[id^=chip-]")}


def chip_count(chip):
    return int(chip.select_one(".chip-count").get_text().replace(",", ""))


def test_the_list_loads_chips_and_totals_after_its_rows(client, mixed):
    page = soup(client.get("/customers?scope=all&q=e"))
    for slot, path in (("#status-chips", "/customers/status-counts"), ("#money-totals", "/customers/totals")):
        element = page.select_one(slot)
        assert element["data-hx-trigger"] == "load" and element["aria-live"] == "polite"
        assert element["data-hx-get"].startswith(path + "?") and query(element["data-hx-get"])["q"] == ["e"]
        # Without JS: a link to the same answer as a page.
        assert element.a["href"] == element["data-hx-get"]
    # The rows are there without the counts having been computed.
    assert page.select(".status-chips") == [] and row_names_from(page)


def test_a_new_search_brings_new_placeholders_out_of_band(client, mixed):
    fragment = soup(client.get("/customers?scope=all&q=ann", headers=HTMX))
    summary = fragment.select_one("#list-summary")
    assert summary["data-hx-swap-oob"] == "true"
    assert query(summary.select_one("#status-chips")["data-hx-get"])["q"] == ["ann"]
    nothing = soup(client.get("/customers?scope=all&q=nobodyatall", headers=HTMX)).select_one("#list-summary")
    assert nothing is not None and not nothing.contents  # nothing found: nothing to count


def chip_counts(client, url):
    return {code: chip_count(a) for code, a in chips(client.get(url, headers=HTMX)).items()}


def row_names_from(page):
    return [a.get_text().strip() for a in page.select("tbody td.id-col a")]


def test_chips_count_each_status_of_the_search(client, mixed):
    response = client.get("/customers/status-counts?scope=all", headers=HTMX)
    found = {code: chip_count(a) for code, a in chips(response).items()}
    assert found == {"blocked": 1, "suspended": 1, "credit_exceeded": 1, "no_available_funds": 1, "active": 4}
    assert soup(response).select_one("div.status-chips[role=group]")["aria-label"] == "Filter by status"
    # Scoped and searched: the same search as the list.
    direct = chip_counts(client, "/customers/status-counts?q=an")
    assert direct == {"blocked": 1, "active": 1}  # Ann Blocked and Dan Prepaid, not Ben (a reseller's)


def test_a_chip_toggles_its_status_in_the_condition(client, mixed):
    first = chips(client.get("/customers/status-counts?scope=all&q=e", headers=HTMX))["blocked"]
    assert query(first["href"]) == {"scope": ["all"], "q": ["e"], "flt0_status_in": ["blocked"]}
    assert first["data-hx-get"] == first["href"] and first["data-hx-push-url"] == "true"
    assert first["data-hx-target"] == "#main" and first["data-hx-select"] == "#main"
    assert not first.has_attr("aria-current")
    more = chips(client.get("/customers/status-counts?scope=all&q=e&flt0_status_in=blocked", headers=HTMX))
    assert more["blocked"]["aria-current"] == "true"
    assert query(more["blocked"]["href"]) == {"scope": ["all"], "q": ["e"]}   # ticked again: gone
    assert query(more["suspended"]["href"])["flt0_status_in"] == ["blocked,suspended"]


def test_chip_counts_leave_their_own_condition_out(client, mixed):
    response = client.get("/customers/status-counts?scope=all&flt0_status_in=blocked&flt1_currency_is=USD",
                          headers=HTMX)
    found = {code: chip_count(a) for code, a in chips(response).items()}
    assert found["blocked"] == 1 and found["active"] == 4 and "suspended" not in found  # Ben is EUR
    every = soup(response).select_one(".chip-all")
    assert query(every["href"]) == {"scope": ["all"], "flt0_currency_is": ["USD"]}


def test_a_chip_click_gets_the_whole_list_and_focuses_the_chip_again(client, mixed):
    url = "/customers?scope=all&flt0_status_in=blocked"
    response = client.get(url, headers={**HTMX, "HX-Target": "main", "HX-Trigger": "chip-blocked"})
    page = soup(response)
    assert page.select_one("main#main") and page.select_one("#search-form")  # the form shows the condition
    assert page.select_one("#condition-0 input[value=blocked][checked]")
    assert "HX-Target" in response.headers["Vary"]
    assert query(page.select_one("#status-chips")["data-hx-get"])["focus"] == ["blocked"]
    chip = chips(client.get(page.select_one("#status-chips")["data-hx-get"], headers=HTMX))["blocked"]
    assert chip.has_attr("autofocus")


def test_a_chip_on_a_one_letter_search_still_gets_the_whole_page(client, mixed):
    # A chip's link leaves out go=1: the list answers with its "press Search" notice, as a whole page.
    response = client.get("/customers?scope=all&q=e&flt0_status_in=blocked",
                          headers={**HTMX, "HX-Target": "main", "HX-Trigger": "chip-blocked"})
    page = soup(response)
    assert page.select_one("main#main") and page.select_one("#results .slow")


def test_without_js_the_counts_are_a_page(client, mixed):
    response = client.get("/customers/status-counts?scope=all&q=e")
    page = soup(response)
    assert response.status_code == 200 and page.select_one("h1").get_text() == "Customers by status"
    assert page.select_one("a.back")["href"] == "/customers?scope=all&q=e"
    assert "blocked" in chips(response)
    assert "HX-Request" in response.headers["Vary"]


# --- the totals ------------------------------------------------------------------------------

def totals(response):
    rows = {}
    for tr in soup(response).select("table.totals tbody tr"):
        rows[tr.th.get_text(strip=True)] = {td["data-label"]: td.get_text(" ", strip=True) for td in tr.select("td")}
    return rows


def test_totals_per_currency_exact(client, mixed):
    found = totals(client.get("/customers/totals?scope=all", headers=HTMX))
    assert found["EUR"] == {"Customers": "1", "Balance (postpaid)": "3.00 EUR 1 customer",
                            "Available funds (prepaid)": "—", "Credit limit": "—"}
    usd = found["USD"]
    assert usd["Customers"] == "7"
    # Postpaid balances: Ann 10.25, Cat 7.10, Fay -2.50, resellers 0 => 14.85.
    assert usd["Balance (postpaid)"] == "14.85 USD 5 customers"
    assert usd["Available funds (prepaid)"] == "12.34567 USD 2 customers"
    assert usd["Credit limit"] == "105.00 USD 2 customers"


def test_totals_follow_the_search_and_the_status_filter(client, mixed):
    found = totals(client.get("/customers/totals?scope=all&flt0_status_in=blocked,credit_exceeded", headers=HTMX))
    assert found == {"USD": {"Customers": "2", "Balance (postpaid)": "17.35 USD 2 customers",
                             "Available funds (prepaid)": "—", "Credit limit": "5.00 USD 1 customer"}}
    assert "No customers to add up" in client.get("/customers/totals?q=nobodyatall", headers=HTMX).get_data(
        as_text=True)


def test_totals_follow_writes(client, mixed):
    fay = Customer.get(Customer.name == "Fay Fine")
    fay.balance = Decimal("1000")
    fay.save()
    Customer.get(Customer.name == "Ann Blocked").delete_instance()
    found = totals(client.get("/customers/totals?scope=all", headers=HTMX))
    assert found["USD"]["Balance (postpaid)"] == "1,007.10 USD 4 customers"
    counts = chip_counts(client, "/customers/status-counts?scope=all")
    assert "blocked" not in counts and counts["active"] == 3 and counts["credit_exceeded"] == 2


# --- the Owner column ------------------------------------------------------------------------

def test_all_customers_show_whose_customer_each_is(client, mixed):
    page = soup(client.get("/customers?scope=all"))
    headers = [th.get_text(strip=True) for th in page.select("thead th")]
    assert headers[headers.index("Accounts") + 1] == "Owner"
    cells = {tr.select_one("td.id-col").get_text(strip=True): tr.select_one("td.owner-col")
             for tr in page.select("tbody tr")}
    assert cells["Ann Blocked"].get_text(strip=True) == "Direct"
    assert [(a.get_text(), a["href"]) for a in cells["Eve Empty"].select("a")] == [
        ("Acme Ltd", "/customers?scope=reseller:Acme+Ltd"), ("Dist Co", "/customers?scope=distributor:Dist+Co")]
    assert [a.get_text() for a in cells["Cat Over"].select("a")] == ["Dist Co"]


def test_other_scopes_have_no_owner_column(client, mixed):
    for url in ("/customers", "/customers?scope=reseller:Acme Ltd"):
        assert not soup(client.get(url)).select(".owner-col")


def test_a_redrawn_row_keeps_the_owner_column(client, mixed):
    ben = Customer.get(Customer.name == "Ben Suspended")
    back = "/customers?scope=all"
    response = client.post(f"/customers/{ben.id}/status", headers=csrf_headers(client),
                           data={"action": "block", "row": "1", "version": ben.version, "back": back})
    assert response.status_code == 200
    assert soup(response).select_one("td.owner-col a").get_text() == "Acme Ltd"
    plain = client.get(f"/customers/{ben.id}/row?back=/customers", headers=HTMX)
    assert not soup(plain).select(".owner-col")
