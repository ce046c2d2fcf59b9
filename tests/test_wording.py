"""Item 25: texts people read: frozen payments, terminated customers, the Blocked status,
the list heading naming its scope, error messages without internal names or doubled text."""
from datetime import datetime

import pytest

from tests import factories
from tests.conftest import HTMX, make_user, sign_in, soup


def status_text(client, customer):
    return soup(client.get(f"/customers/{customer.id}")).select_one("#status").get_text(" ", strip=True)


def test_frozen_payments_never_say_after_0_failed_payments(client):
    text = status_text(client, factories.customer(payment_frozen=True, failed_payments=0))
    assert "after 0" not in text and "frozen after repeated payment errors" in text
    text = status_text(client, factories.customer(payment_frozen=True, failed_payments=3))
    assert "frozen after 3 failed payments in a row" in text
    text = status_text(client, factories.customer(payment_frozen=True, failed_payments=1))
    assert "frozen after 1 failed payment in a row" in text


def test_a_permanently_terminated_customer_is_never_said_to_be_restorable(client):
    c = factories.customer(provisionally_terminated_at=datetime(2026, 1, 1), terminated_at=datetime(2026, 1, 2),
                           blocked=True)
    text = soup(client.get(f"/customers/{c.id}")).get_text(" ", strip=True)
    assert "Permanently terminated" in text and "restore" not in text.lower()


def test_blocked_says_maintenance_fees_are_waived_and_subscriptions_still_apply(client):
    c = factories.customer(blocked=True)
    text = status_text(client, c)
    assert "No maintenance fees are charged while blocked; subscription fees still apply." in text
    dialog = soup(client.get(f"/customers/{factories.customer().id}")).select_one("#status form")
    assert "No maintenance fees are charged; subscription fees still apply." in dialog.get_text(" ", strip=True)


@pytest.mark.parametrize("query,heading", [
    ("", "Direct customers"),
    ("?scope=all", "All customers"),
    ("?scope=reseller:Acme", "Subcustomers of reseller Acme"),
    ("?scope=distributor:Far%20Away", "Customers of distributor Far Away"),
    ("?scope=reseller&owner=", "Subcustomers of a reseller"),
])
def test_the_list_heading_names_the_scope(client, query, heading):
    factories.reseller("Acme")
    factories.distributor("Far Away")
    assert soup(client.get("/customers" + query)).h1.get_text(strip=True) == heading
    # htmx swaps only the results: the heading comes along out of band
    fragment = soup(client.get("/customers" + query, headers=HTMX))
    oob = fragment.find(id="list-heading")
    assert oob.get_text(strip=True) == heading and oob["data-hx-swap-oob"] == "true"


def test_reseller_staff_see_their_reseller_named(app):
    acme = factories.reseller("Acme")
    staff = sign_in(app.test_client(), make_user("acme-staff", "reseller_staff", owner=acme))
    assert soup(staff.get("/customers")).h1.get_text(strip=True) == "Subcustomers of reseller Acme"


def test_form_rows_are_named_as_people_see_them_and_amount_errors_are_said_once(client):
    query = {"scope": "all", "cf0": "name", "co0": "contains", "cv0": "x",
             "cf1": "balance", "co1": "gt", "cv1": "abc"}
    for headers in ({}, HTMX):
        response = client.get("/customers", query_string=query, headers=headers)
        assert response.status_code == 400
        alert = soup(response).select_one("#results [role=alert]").get_text(" ", strip=True)
        assert alert.startswith("Value of condition 2:")
        assert "cv1" not in alert and alert.count("is not an amount") == 1


def test_url_parameters_are_named_with_their_control(client):
    for query, heading in (("per_page=13", "Invalid parameter “per_page” (Per page)"),
                           ("flt0_balance_gt=abc", "Invalid parameter “flt0_balance_gt” (condition 1: Balance >)")):
        text = soup(client.get("/customers?" + query)).select_one("#results [role=alert]").get_text(" ", strip=True)
        assert text.startswith(heading + ":")
    c = factories.customer()
    alert = soup(client.get(f"/customers/{c.id}/xdrs?from=yesterday")).select_one("#xdr-results [role=alert]")
    text = alert.get_text(" ", strip=True)
    assert text.startswith("Invalid parameter “from” (From date):")
