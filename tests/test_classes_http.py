"""The Customer classes pages over HTTP (issue 14): /classes, /classes/new, /classes/<id>."""
from decimal import Decimal

import pytest

from data import classes
from data.models import CustomerClass
from data.records import ClassHistory
from tests import factories
from tests.conftest import HTMX, fresh, make_user, sign_in, soup


def post(client, url, token, htmx=True, **data):
    headers = {**HTMX, "X-CSRFToken": token} if htmx else {}
    return client.post(url, data={"csrf_token": token, **data}, headers=headers)


def test_the_list_shows_settings_fees_and_a_count_linking_to_the_filtered_list(client):
    gold = factories.customer_class("Gold", grace_days=5, reactivation_days=60, fees={"EUR": "4", "USD": "4.5"})
    old = factories.customer_class("Old")
    classes.retire(old.id, "alice")
    for _ in range(2):
        factories.customer(customer_class=gold)
    page = soup(client.get("/classes"))
    rows = page.select("table.classes tbody tr")
    assert [r.th.a.get_text() for r in rows] == ["Gold", "Old"]  # offered first, then retired
    cells = [td.get_text(strip=True) for td in rows[0].select("td")]
    assert cells == ["5", "60", "4.00 EUR, 4.50 USD", "2"]
    assert "retired" in rows[1].get_text() and "None" in rows[1].get_text()
    link = rows[0].select("td")[-1].a["href"]
    assert link == "/customers?scope=all&flt0_customer_class_is=Gold"
    listing = soup(client.get(link))
    assert listing.find(id="result-count").get_text().startswith("2 customers")
    assert page.select_one('a[aria-current="page"][href="/classes"]') is not None


def test_a_class_is_created_from_the_form(client, token):
    form = soup(client.get("/classes/new")).select_one("form.class-form")
    assert {"name", "grace_days", "reactivation_days", "fee_currency_0", "fee_amount_0", "fee_currency_1"} <= {
        i["name"] for i in form.select("input, select") if i.get("name")}
    assert form.select_one("#f-reactivation_days")["value"] == "30"
    response = post(client, "/classes/new", token, htmx=False, name="Gold", grace_days="5", reactivation_days="45",
                    fee_currency_0="EUR", fee_amount_0="4.00", fee_currency_1="", fee_amount_1="")
    cls = CustomerClass.get(CustomerClass.name == "Gold")
    assert response.status_code == 303 and response.headers["Location"] == f"/classes/{cls.id}"
    assert (cls.grace_days, cls.reactivation_days, classes.fees(cls.id)) == (5, 45, {"EUR": Decimal(4)})
    assert "Customer class “Gold” was created." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_bad_input_is_a_422_with_the_form_and_its_messages(client, token):
    factories.customer_class("Gold")
    response = post(client, "/classes/new", token, htmx=False, name="gold", grace_days="-3", reactivation_days="999",
                    fee_currency_0="EUR", fee_amount_0="abc", fee_currency_1="ZZZ", fee_amount_1="1")
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#e-name").get_text() == "a class “Gold” already exists"
    assert "whole number" in page.select_one("#e-grace_days").get_text()
    assert "at most 365" in page.select_one("#e-reactivation_days").get_text()
    assert "not an amount" in page.select_one("#e-fee_amount_0").get_text()
    assert "not an ISO 4217" in page.select_one("#e-fee_currency_1").get_text()
    assert page.select_one("#f-fee_amount_0")["value"] == "abc"  # what was typed stays
    assert page.select_one("#f-grace_days")["value"] == "-3"
    assert CustomerClass.select().count() == 1


def test_the_class_page_edits_with_history_and_shows_the_next_run(client, token):
    cls = factories.customer_class("Gold", fees={"EUR": "4"})
    for n in range(3):
        factories.customer(f"e{n}", currency="EUR", customer_class=cls)
    factories.customer("blocked", currency="EUR", customer_class=cls, blocked=True)
    page = soup(client.get(f"/classes/{cls.id}"))
    assert "Next run: 3 customers, maintenance fee 4.00 EUR" in page.select_one("#next-run").get_text(" ", strip=True)
    assert page.select_one("#f-fee_amount_0")["value"] == "4"
    response = post(client, f"/classes/{cls.id}", token, name="Gold", grace_days="2", reactivation_days="30",
                    fee_currency_0="EUR", fee_amount_0="5", version=cls.version)
    assert response.status_code == 200
    body = soup(response)
    assert body.select_one("#class-page") is not None and body.select_one("header.topbar") is None  # a fragment
    assert "Changes saved." in body.get_text()
    assert "maintenance fee 5.00 EUR" in body.select_one("#next-run").get_text(" ", strip=True)
    history = body.select_one("#history").get_text(" ", strip=True)
    assert "maintenance fee EUR 4 EUR 5 EUR" in history and "admin" in history
    stale = post(client, f"/classes/{cls.id}", token, name="Other", version=cls.version)
    assert stale.status_code == 409 and "changed by someone else" in stale.get_data(as_text=True)
    bad = post(client, f"/classes/{cls.id}", token, name="", version=fresh(cls).version)
    assert bad.status_code == 422 and soup(bad).select_one("#e-name").get_text() == "is required"


def test_retire_reinstate_and_delete(client, token):
    used = factories.customer_class("Used")
    factories.customer(customer_class=used)
    page = soup(client.get(f"/classes/{used.id}"))
    assert page.find("button", string="Yes, delete class “Used”") is None
    assert "A class in use cannot be deleted." in page.get_text()
    response = post(client, f"/classes/{used.id}/retire", token, htmx=False, version=used.version)
    assert response.status_code == 303 and fresh(used).retired_at is not None
    assert "retired" in soup(client.get(f"/classes/{used.id}")).h1.get_text()
    new_form = soup(client.get("/customers/new")).select_one("#f-customer_class")
    assert "Used" not in new_form.get_text()  # not offered any more
    again = post(client, f"/classes/{used.id}/retire", token, version=fresh(used).version)
    assert again.status_code == 409 and "retired already" in again.get_data(as_text=True)
    post(client, f"/classes/{used.id}/reinstate", token, version=fresh(used).version)
    assert fresh(used).retired_at is None
    refused = post(client, f"/classes/{used.id}/delete", token)
    assert refused.status_code == 409 and "1 customer use it" in refused.get_data(as_text=True)
    unused = factories.customer_class("Unused")
    gone = post(client, f"/classes/{unused.id}/delete", token, htmx=False)
    assert gone.status_code == 303 and gone.headers["Location"] == "/classes"
    assert CustomerClass.get_or_none(CustomerClass.id == unused.id) is None
    assert ClassHistory.select().where(ClassHistory.class_id == unused.id).count() == 1
    assert client.get(f"/classes/{unused.id}").status_code == 404
    assert client.get(f"/classes/{2**64}").status_code == 404


@pytest.mark.parametrize("role", ["operator_viewer", "billing_clerk", "reseller_staff", "distributor_staff"])
def test_other_roles_read_the_class_pages_but_change_nothing(app, role):
    cls = factories.customer_class("Gold", fees={"USD": "2"})
    owner = factories.reseller("R") if role == "reseller_staff" else (
        factories.distributor("D") if role == "distributor_staff" else None)
    mine = factories.customer("mine", customer_class=cls,
                              **({"reseller": owner} if role == "reseller_staff" else
                                 {"distributor": owner} if role == "distributor_staff" else {}))
    factories.customer("someone else's", customer_class=cls)
    client = sign_in(app.test_client(), make_user("u", role, owner))
    listing = soup(client.get("/classes"))
    assert listing.find("a", string="New class") is None
    count = listing.select("table.classes tbody td")[-1]
    assert count.get_text(strip=True) == ("1" if owner else "2")
    page = soup(client.get(f"/classes/{cls.id}"))
    assert page.select_one("form.class-form fieldset[disabled]") is not None
    assert page.select_one("#class-state") is None and "not change it" in page.get_text()
    assert f"Next run: {1 if owner else 2} customer" in page.select_one("#next-run").get_text(" ", strip=True)
    assert client.get("/classes/new").status_code == 403
    token = soup(client.get("/classes")).body["data-hx-headers"].split('"')[3]
    for path in (f"/classes/{cls.id}", f"/classes/{cls.id}/retire", f"/classes/{cls.id}/delete", "/classes/new"):
        assert post(client, path, token, name="Taken over", version=cls.version).status_code == 403, path
    assert fresh(cls).name == "Gold" and fresh(cls).retired_at is None and CustomerClass.select().count() == 1
    assert mine.customer_class_id == cls.id


def test_the_class_pages_need_a_sign_in(anonymous):
    response = anonymous.get("/classes")
    assert response.status_code in (302, 303) and "/sign-in" in response.headers["Location"]
