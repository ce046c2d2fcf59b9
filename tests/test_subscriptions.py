"""Subscriptions on a customer's page (issue 14): added and ended through the customer
change pipeline, in the customer's history, charged by maintenance (blocked customers
included), and what the next run charges shown on the page."""
from datetime import date, datetime
from decimal import Decimal

import pytest

from data import clock, maintenance, subscriptions
from data.access import Forbidden, Viewer
from data.errors import Conflict, Invalid, NotFound, Stale, Terminated
from data.records import History, Subscription
from tests import factories
from tests.conftest import HTMX, fresh, soup

NOW = datetime(2026, 11, 20, 9, 0)


@pytest.fixture
def at(database):
    clock.freeze(NOW)
    yield
    clock.freeze(None)


def test_a_subscription_is_added_with_history_and_charged_even_when_blocked(database, at):
    c = factories.customer(currency="EUR", blocked=True)
    subscriptions.add(c.id, {"name": " Unlimited calls ", "fee": "19.90", "started_on": "2026-11-01"}, "alice",
                      expected_version=c.version)
    sub = Subscription.get()
    assert (sub.name, sub.fee, sub.started_on, sub.ended_on) == ("Unlimited calls", Decimal("19.9"),
                                                                  date(2026, 11, 1), None)
    row = History.get(History.action == "add_subscription")
    assert (row.actor, row.field, row.new_value) == ("alice", "subscription",
                                                     "Unlimited calls, 19.9 EUR a month, 2026-11-01")
    assert maintenance.run().counts == {"subscription_fee": 1}
    assert fresh(c).balance == Decimal("19.9")


def test_the_start_defaults_to_today(database, at):
    c = factories.customer()
    subscriptions.add(c.id, {"name": "Plan", "fee": "5"}, "alice")
    assert Subscription.get().started_on == NOW.date()


@pytest.mark.parametrize("raw,field", [
    ({"name": "", "fee": "5"}, "name"),
    ({"name": "x" * 101, "fee": "5"}, "name"),
    ({"name": "P", "fee": "0"}, "fee"),
    ({"name": "P", "fee": "-1"}, "fee"),
    ({"name": "P", "fee": "1,5"}, "fee"),
    ({"name": "P", "fee": "1.005"}, "fee"),
    ({"name": "P", "fee": "5", "started_on": "20261101"}, "started_on"),
    ({"name": "P", "fee": "5", "started_on": "2026-02-30"}, "started_on"),
    ({"name": "P", "fee": "5", "started_on": "2026-11-10", "ended_on": "2026-11-09"}, "ended_on"),
])
def test_bad_values_are_refused(database, at, raw, field):
    c = factories.customer()
    with pytest.raises(Invalid) as refused:
        subscriptions.add(c.id, raw, "alice")
    assert field in refused.value.errors
    assert not Subscription.select().exists() and not History.select().exists()


def test_ending_sets_the_last_day_and_the_history(database, at):
    c = factories.customer()
    subscriptions.add(c.id, {"name": "Plan", "fee": "5", "started_on": "2026-10-01"}, "alice")
    sub = Subscription.get()
    with pytest.raises(Invalid):
        subscriptions.end(c.id, sub.id, "2026-09-30", "alice")
    subscriptions.end(c.id, sub.id, "", "alice")  # today
    assert fresh(sub).ended_on == NOW.date()
    row = History.get(History.action == "end_subscription")
    assert row.old_value.endswith("2026-10-01") and row.new_value.endswith("to 2026-11-20")
    clock.freeze(datetime(2026, 12, 2))
    with pytest.raises(Conflict, match="ended on 2026-11-20 already"):
        subscriptions.end(c.id, sub.id, "", "alice")
    assert maintenance.run().counts.get("subscription_fee") is None  # ended: December is not charged


def test_subscriptions_go_through_the_customer_pipeline(database, at):
    reseller = factories.reseller()
    mine = factories.customer(reseller=reseller)
    other = factories.customer()
    staff = Viewer("staff", "reseller_staff", reseller.id)
    subscriptions.add(mine.id, {"name": "Plan", "fee": "5"}, staff)
    with pytest.raises(NotFound):
        subscriptions.add(other.id, {"name": "Plan", "fee": "5"}, staff)
    with pytest.raises(Forbidden):
        subscriptions.add(mine.id, {"name": "Plan", "fee": "5"}, Viewer("v", "operator_viewer"))
    subscriptions.add(other.id, {"name": "Plan", "fee": "5"}, Viewer("clerk", "billing_clerk"))
    with pytest.raises(NotFound):  # someone else's subscription
        subscriptions.end(mine.id, Subscription.get(Subscription.customer == other.id).id, "", staff)
    with pytest.raises(Stale):
        subscriptions.add(mine.id, {"name": "Late", "fee": "5"}, "alice", expected_version=mine.version + 5)
    gone = factories.customer(terminated_at=datetime(2026, 1, 2), provisionally_terminated_at=datetime(2026, 1, 1))
    with pytest.raises(Terminated):
        subscriptions.add(gone.id, {"name": "Plan", "fee": "5"}, "alice")


def test_a_form_sent_twice_adds_one_subscription(database, at):
    c = factories.customer()
    form = {"name": "Plan", "fee": "5", "key": "k" * 24}
    subscriptions.add(c.id, form, "alice")
    subscriptions.add(c.id, form, "alice")
    assert Subscription.select().count() == 1
    with pytest.raises(Invalid):
        subscriptions.add(c.id, {**form, "key": "bad key!"}, "alice")


# --- The customer's page ---------------------------------------------------

def post(client, url, token, **data):
    return client.post(url, data={"csrf_token": token, **data}, headers={**HTMX, "X-CSRFToken": token})


def test_the_page_adds_and_ends_subscriptions_and_shows_the_next_run(client, token):
    cls = factories.customer_class("Biz", fees={"EUR": "4"})
    c = factories.customer(currency="EUR", customer_class=cls)
    page = soup(client.get(f"/customers/{c.id}"))
    form = page.select_one("form.subscription-form")
    assert form["action"] == f"/customers/{c.id}/subscriptions"
    assert "Monthly fee (EUR)" in form.get_text()
    assert "Maintenance fee: Biz: 4.00 EUR" in page.select_one("#subscriptions").get_text(" ", strip=True)
    key = form.select_one("input[name=key]")["value"]
    response = post(client, form["action"], token, name="Data 20 GB", fee="15", version=c.version, key=key)
    assert response.status_code == 200 and "Subscription added." in response.get_data(as_text=True)
    body = soup(response)
    row = body.select_one("table.subscriptions tbody tr")
    assert "Data 20 GB" in row.get_text() and "15.00 EUR" in row.get_text()
    assert "Subscription: Data 20 GB: 15.00 EUR" in body.select_one("#subscriptions").get_text(" ", strip=True)
    assert "add subscription" in body.select_one("#history").get_text()
    end = row.select_one("form")
    response = post(client, end["action"], token, ended_on="2099-01-01", version=fresh(c).version)
    assert response.status_code == 200 and Subscription.get().ended_on == date(2099, 1, 1)


def test_the_page_answers_bad_input_with_422_and_the_form_again(client, token):
    c = factories.customer()
    response = post(client, f"/customers/{c.id}/subscriptions", token, name="Plan", fee="abc", version=c.version)
    assert response.status_code == 422
    form = soup(response).select_one("form.subscription-form")
    assert form.select_one("input[name=name]")["value"] == "Plan"
    assert form.select_one("#s-fee")["aria-invalid"] == "true"
    assert "is not an amount" in form.select_one("#se-fee").get_text()
    assert not Subscription.select().exists()


def test_without_javascript_the_forms_redirect_back(client, token):
    c = factories.customer()
    response = client.post(f"/customers/{c.id}/subscriptions",
                           data={"csrf_token": token, "name": "Plan", "fee": "5", "version": c.version})
    assert response.status_code == 303 and response.headers["Location"] == f"/customers/{c.id}"
    sub = Subscription.get()
    response = client.post(f"/customers/{c.id}/subscriptions/{sub.id}/end",
                           data={"csrf_token": token, "ended_on": "", "version": fresh(c).version})
    assert response.status_code == 303 and fresh(sub).ended_on is not None
    missing = client.post(f"/customers/{c.id}/subscriptions/{2**63}/end", data={"csrf_token": token})
    assert missing.status_code == 404


def test_read_only_roles_see_subscriptions_but_no_forms(app, token):
    from tests.conftest import make_user, sign_in
    c = factories.customer()
    Subscription.create(customer=c.id, name="Plan", fee=Decimal("5"), started_on=date(2026, 1, 1))
    viewer = sign_in(app.test_client(), make_user("viewer", "operator_viewer"))
    page = soup(viewer.get(f"/customers/{c.id}"))
    assert "Plan" in page.select_one("#subscriptions").get_text()
    assert page.select_one("form.subscription-form") is None and page.select_one("table.subscriptions form") is None
