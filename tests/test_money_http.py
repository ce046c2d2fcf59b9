"""Money over HTTP (issue 11): plain decimals only, sums within the limit, one-time
keys on payment and charge forms, payments while frozen."""
from decimal import Decimal

import pytest

from data.models import Customer
from data.records import Payment, Xdr
from tests import factories
from tests.conftest import HTMX, fresh, soup


def post(client, url, token, **data):
    return client.post(url, data={"csrf_token": token, **data}, headers={**HTMX, "X-CSRFToken": token})


def form_fields(client, customer, action):
    form = soup(client.get(f"/customers/{customer.id}")).find("form", action=action)
    return {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}


@pytest.mark.parametrize("typed", ["1,5", "١٠", "𝟓", "1e5", "1_0"])
def test_a_payment_is_only_what_was_typed(client, token, typed):
    c = factories.customer()
    response = post(client, f"/customers/{c.id}/payments", token, amount=typed, method="cash", version=c.version)
    assert response.status_code == 422
    assert "write a plain decimal number with a dot" in response.get_data(as_text=True)
    assert fresh(c).balance == 0 and not Payment.select().exists()


def test_new_customer_amounts_are_plain_decimals(client, token):
    response = post(client, "/customers/new", token, name="Comma", currency="EUR", credit_limit="1,5")
    assert response.status_code == 422
    assert "plain decimal" in soup(response).find(id="e-credit_limit").get_text()
    assert not Customer.select().exists()


@pytest.mark.parametrize("value", ["1e999999999", "-1e999999999", "1,5", "١٠"])
def test_money_conditions_refuse_anything_else_with_a_400(client, value):
    response = client.get("/customers", query_string={"scope": "all", "flt0_balance_gt": value})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Invalid parameter “flt0_balance_gt”" in text and "plain decimal" in text


def test_the_import_refuses_exponents_and_underscores(runner, tmp_path):
    path = tmp_path / "money.csv"
    path.write_text("name,currency,balance,credit_limit\nA,USD,1e5,\nB,USD,10,1_0\n", encoding="utf-8")
    result = runner.invoke(args=["import-customers", str(path)])
    assert result.exit_code != 0
    assert "1e5" in result.output and "1_0" in result.output
    assert not Customer.select().exists()


def test_the_third_huge_payment_is_a_422_not_a_500(client, token):
    c = factories.customer("Whale", balance_control="prepaid")
    for _ in range(2):
        ok = post(client, f"/customers/{c.id}/payments", token, amount="4999999999999", method="cash",
                  version=fresh(c).version)
        assert ok.status_code == 200
    refused = post(client, f"/customers/{c.id}/payments", token, amount="4999999999999", method="cash",
                   version=fresh(c).version)
    assert refused.status_code == 422
    assert "past the largest amount" in refused.get_data(as_text=True)
    assert fresh(c).available_funds == Decimal("9999999999998")
    charged = post(client, f"/customers/{c.id}/charges", token, amount="9999999999999", version=fresh(c).version)
    assert charged.status_code == 200  # funds go down: still within the limit


def test_payment_and_charge_forms_carry_one_time_keys(client, token):
    c = factories.customer("Twice")
    page = client.get(f"/customers/{c.id}")
    keys = [i["value"] for i in soup(page).select("#money input[name=key]")]
    assert len(keys) == 3 and len(set(keys)) == 3 and all(len(k) >= 16 for k in keys)
    again = [i["value"] for i in soup(client.get(f"/customers/{c.id}")).select("#money input[name=key]")]
    assert not set(keys) & set(again)  # a new page, new keys


def test_a_retried_payment_is_recorded_once(client, token):
    c = factories.customer("Retry Ltd")
    fields = form_fields(client, c, f"/customers/{c.id}/payments")
    fields.update(amount="25", method="cash")
    first = client.post(f"/customers/{c.id}/payments", data=fields)
    retry = client.post(f"/customers/{c.id}/payments", data=fields)  # the answer was lost; same form again
    assert (first.status_code, retry.status_code) == (303, 303)
    assert "Payment recorded." in client.get(f"/customers/{c.id}").get_data(as_text=True)
    assert Payment.select().where(Payment.customer == c.id).count() == 1 and fresh(c).balance == Decimal("-25")
    charge = form_fields(client, c, f"/customers/{c.id}/charges")
    charge.update(amount="3", description="Setup")
    for _ in range(2):
        assert client.post(f"/customers/{c.id}/charges", data=charge).status_code == 303
    assert Xdr.select().where(Xdr.customer == c.id).count() == 1 and fresh(c).balance == Decimal("-22")


def test_a_payment_while_frozen_says_the_freeze_stays(client, token):
    c = factories.customer("Frozen", payment_frozen=True, failed_payments=3)
    page = soup(client.get(f"/customers/{c.id}"))
    assert "freeze stays until “Unfreeze payments”" in page.find(id="frozen-payments").get_text()
    response = post(client, f"/customers/{c.id}/payments", token, amount="10", method="check", version=c.version)
    assert response.status_code == 200
    text = soup(response).get_text(" ")
    assert "Payment recorded. Payments stay frozen until" in text and "Unfreeze payments" in text
    assert (fresh(c).payment_frozen, fresh(c).failed_payments) == (True, 3)
