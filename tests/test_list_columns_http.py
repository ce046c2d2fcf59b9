"""The customer list's columns chosen per user (issue 13): order, extra columns, compact
rows, in the page, its htmx fragment and a redrawn row; batched, not per row."""
from datetime import datetime

import pytest

from data import clock
from data.list_columns import DEFAULT_ORDER
from data.view_records import ListSetting
from tests import factories
from tests.conftest import HTMX, csrf_token, soup


@pytest.fixture
def people(app):
    gold = factories.customer_class("Gold")
    r = factories.reseller("Acme Ltd")
    clock.freeze(datetime(2026, 3, 4, 10, 0))
    ann = factories.customer("Ann", company_name="Ann's Bakery", country="DE", phone="+49 30 1234",
                             customer_class=gold, reseller=r)
    clock.freeze(None)
    factories.customer("Bob", country="FR")
    return {"ann": ann, "gold": gold}


def choose(client, show, order=DEFAULT_ORDER, density="comfortable", **extra):
    return client.post("/customers/columns", data={"csrf_token": csrf_token(client, "/customers/columns"),
                                                   "order": list(order), "show": list(show), "density": density,
                                                   **extra})


def headers(page):
    return [th.get_text(strip=True) for th in page.select("#results thead th")][1:]   # after the select box


def cells(page, name):
    row = next(tr for tr in page.select("#results tbody tr") if tr.select_one("td.id-col > a").get_text() == name)
    return [td.get_text(" ", strip=True) for td in row.select("td")][1:]


def test_the_default_is_the_spec_columns(client, people):
    assert headers(soup(client.get("/customers"))) == [
        "xDRs", "ID", "Accounts", "Currency", "Balance Control", "Available Funds", "Balance", "Credit Limit",
        "Email", "Status", "Delete"]


def test_chosen_columns_in_their_order_in_the_page_and_the_fragment(client, people):
    order = ("company_name", "name", "country", "customer_class", "phone", "created_at", "last_change", "status",
             *(k for k in DEFAULT_ORDER if k not in ("company_name", "name", "country", "customer_class", "phone",
                                                     "created_at", "last_change", "status")))
    shown = ("company_name", "name", "country", "customer_class", "phone", "created_at", "status")
    assert choose(client, shown, order).status_code == 303
    for response in (client.get("/customers?scope=all"), client.get("/customers?scope=all", headers=HTMX)):
        page = soup(response)
        assert headers(page) == ["Company", "ID", "Country", "Class", "Phone", "Created", "Status"]
        assert cells(page, "Ann")[:6] == ["Ann's Bakery", "Ann", "DE", "Gold", "+49 30 1234", "2026-03-04"]
        assert cells(page, "Bob")[:4] == ["", "Bob", "FR", ""]


def test_extra_columns_are_not_offered_for_sorting(client, people):
    choose(client, ("name", "company_name", "currency", "last_change"))
    page = soup(client.get("/customers"))
    sortable = [th.get_text(strip=True) for th in page.select("#results thead th") if th.select_one("a")]
    assert sortable == ["ID", "Currency"]


def test_last_change_is_the_latest_history_row(client, people):
    from data import history
    choose(client, ("name", "last_change"))
    clock.freeze(datetime(2026, 5, 6, 7, 8))
    history.record(people["ann"], "admin", "edited")
    clock.freeze(None)
    page = soup(client.get("/customers?scope=all"))
    assert cells(page, "Ann") == ["Ann", "2026-05-06"]
    assert page.select_one("#results tbody time")["datetime"].startswith("2026-05-06T07:08")


def test_extra_columns_cost_one_query_each_per_page_not_one_per_row(client, people, executed):
    gold = people["gold"]
    for n in range(30):
        factories.customer(f"More {n:02d}", customer_class=gold, reseller=people["ann"].reseller)

    def statements(show):
        choose(client, show, order=DEFAULT_ORDER)
        client.get("/customers?scope=all")   # warm (the session's first read, the settings)
        executed.clear()
        client.get("/customers?scope=all")
        return list(executed)
    plain = statements(("name", "currency"))
    extra = statements(("name", "owner", "customer_class", "last_change", "company_name", "created_at"))
    # 33 rows: the owners, the class names and the last changes are one query each.
    assert len(extra) - len(plain) == 3
    assert sum('FROM "history"' in sql for sql in extra) == 1


def test_the_owner_column_once_chosen_shows_in_every_scope_but_never_for_staff(app, client, people):
    assert not soup(client.get("/customers")).select(".owner-col")
    choose(client, ("name", "owner"))
    assert headers(soup(client.get("/customers"))) == ["ID", "Owner"]
    from tests.conftest import make_user, sign_in
    staff = sign_in(app.test_client(), make_user("staff", "reseller_staff", people["ann"].reseller))
    staff.post("/customers/columns", data={"csrf_token": csrf_token(staff, "/customers/columns"),
                                           "order": list(DEFAULT_ORDER), "show": ["name", "owner"],
                                           "density": "comfortable"})
    assert headers(soup(staff.get("/customers"))) == ["ID"]


def test_compact_rows(client, people):
    assert "compact" not in soup(client.get("/customers")).select_one("table.customers")["class"]
    choose(client, ("name", "currency"), density="compact")
    assert "compact" in soup(client.get("/customers")).select_one("table.customers")["class"]
    assert "compact" in soup(client.get("/customers", headers=HTMX)).select_one("table.customers")["class"]


def test_a_redrawn_row_keeps_the_chosen_columns(client, people):
    choose(client, ("name", "company_name", "status"), order=("name", "company_name", *(
        k for k in DEFAULT_ORDER if k not in ("name", "company_name"))))
    ann = people["ann"]
    row = soup(client.get(f"/customers/{ann.id}/row?back=/customers?scope%3Dall", headers=HTMX))
    assert [td.get_text(" ", strip=True) for td in row.select("td")][1:3] == ["Ann", "Ann's Bakery"]
    # A view's own columns (cols) win over the user's, in the row too.
    row = soup(client.get(f"/customers/{ann.id}/row?back=/customers?scope%3Dall%26cols%3Dcountry", headers=HTMX))
    assert [td.get_text(" ", strip=True) for td in row.select("td")][1:] == ["Ann", "DE"]


def test_the_cols_parameter_is_kept_by_the_form_links_and_not_by_the_csv(client, people):
    page = soup(client.get("/customers?cols=country,name"))
    assert headers(page) == ["Country", "ID"]
    assert page.select_one("#search-form input[name=cols]")["value"] == "country,name"
    assert "cols=country%2Cname" in page.select_one("#results thead th a")["href"] or \
        "cols=country,name" in page.select_one("#results thead th a")["href"]
    assert "cols" not in page.select_one("a[download]")["href"]
    # The ID column is always there.
    assert headers(soup(client.get("/customers?cols=country"))) == ["ID", "Country"]
    bad = client.get("/customers?cols=country,nonsense")
    assert bad.status_code == 400 and "no column “nonsense”" in bad.get_data(as_text=True)


def test_the_columns_form_moves_with_buttons_and_saves(client, people):
    page = soup(client.get("/customers/columns"))
    form = page.select_one("form#columns-form")
    assert [i["value"] for i in form.select("input[name=order]")] == list(DEFAULT_ORDER)
    assert form.select_one("button[name=move][value='up:accounts']")["aria-label"] == "Move Accounts up"
    shown = [i["value"] for i in form.select("input[name=show][checked]")]
    response = choose(client, shown, move="up:accounts")
    assert response.status_code == 303 and response.location.endswith("#col-accounts")
    order = [i["value"] for i in soup(client.get("/customers/columns")).select("input[name=order]")]
    assert order[:3] == ["xdrs", "accounts", "name"]
    # With htmx the form comes back with the focus on the button pressed.
    fragment = soup(client.post("/customers/columns", headers=HTMX, data={
        "csrf_token": csrf_token(client, "/customers/columns"), "order": order, "show": shown,
        "density": "comfortable", "move": "down:accounts"}))
    assert fragment.select_one("form#columns-form") and not fragment.select_one("body")
    assert fragment.select_one("button[autofocus]")["value"] == "down:accounts"
    assert "Saved" in fragment.select_one("#columns-status").get_text()


def test_back_to_the_defaults(client, people):
    choose(client, ("name",), density="compact")
    assert choose(client, ("name",), reset="1").status_code == 303
    assert headers(soup(client.get("/customers")))[0] == "xDRs"
    assert ListSetting.get().columns == ""


@pytest.mark.parametrize("change,says", [
    ({"show": ["name", "bogus"]}, "no column “bogus”"),
    ({"order": ["name", "currency"]}, "must list every column once"),
    ({"density": "huge"}, "must be one of comfortable, compact"),
    ({"move": "sideways:name"}, "must be up:<column> or down:<column>"),
])
def test_bad_input_is_a_422_that_says_why(client, people, change, says):
    data = {"csrf_token": csrf_token(client, "/customers/columns"), "order": list(DEFAULT_ORDER),
            "show": ["name"], "density": "comfortable", **change}
    for extra in ({}, HTMX):
        response = client.post("/customers/columns", data=data, headers=extra)
        assert response.status_code == 422
        assert says in soup(response).select_one("#columns-status").get_text()
    assert ListSetting.select().count() == 0
