"""Who may set what on the create and edit forms (issue 11 items 5, 7, 8, 22):
opening money and credit limits by role, name clashes that reveal nothing, partial
edits that change only what was sent, and staff forms and scopes."""
from decimal import Decimal

import pytest

from data import history
from data.models import Customer
from tests import factories
from tests.conftest import HTMX, csrf_token, make_user, sign_in, soup


@pytest.fixture
def own(app):
    return factories.reseller("Own Reseller Ltd")


def staff_client(app, reseller):
    client = sign_in(app.test_client(), make_user("staffer", "reseller_staff", reseller))
    return client, csrf_token(client)


def create(client, token, **fields):
    return client.post("/customers/new", data={"csrf_token": token, "currency": "USD", **fields})


def opening(customer):
    return {h.field: h.new_value for h in history.entries(customer.id) if h.action == "create"}


def test_the_history_records_what_a_new_customer_starts_with(client):
    token = csrf_token(client)
    factories.reseller("Acme")
    response = create(client, token, name="Opened", balance="-12.5", available_funds="3", credit_limit="100",
                       reseller="Acme")
    assert response.status_code == 303
    rows = opening(Customer.get(name="Opened"))
    assert rows == {"customer_type": "retail", "reseller": "Acme", "currency": "USD", "balance_control": "postpaid",
                    "balance": "-12.5", "available_funds": "3", "credit_limit": "100"}
    create(client, token, name="Unlimited")
    assert opening(Customer.get(name="Unlimited"))["credit_limit"] == "no limit"


def test_reseller_staff_cannot_open_a_customer_with_money(app, own):
    client, token = staff_client(app, own)
    for field in ("balance", "available_funds"):
        response = create(client, token, name="Minted", **{field: "1000000"})
        assert response.status_code == 422
        assert "only the operator can open a customer with money" in soup(response).find(id=f"e-{field}").get_text()
    assert not Customer.select().where(Customer.name == "Minted").exists()
    assert create(client, token, name="Zero", balance="0").status_code == 303
    made = Customer.get(name="Zero")
    assert (made.balance, made.available_funds, made.reseller_id) == (0, 0, own.id)
    assert opening(made)["balance"] == "0" and history.entries(made.id)[0].actor == "staffer"


def test_reseller_staff_credit_limits_stay_within_their_resellers(app, own):
    Customer.update(credit_limit=Decimal("500")).where(Customer.id == own.id).execute()
    client, token = staff_client(app, own)
    for limit in ("500.01", ""):  # more than the reseller's own, or no limit at all
        response = create(client, token, name="Credited", credit_limit=limit)
        assert response.status_code == 422
        error = soup(response).find(id="e-credit_limit").get_text()
        assert "at most 500, the credit limit of Own Reseller Ltd" in error
    assert create(client, token, name="Credited", credit_limit="500").status_code == 303
    credited = Customer.get(name="Credited")
    # Editing: a larger limit is refused; an older one the operator set stays when untouched.
    raised = client.post(f"/customers/{credited.id}", data={"csrf_token": token, "version": credited.version,
                                                            "credit_limit": "9999"})
    assert raised.status_code == 422 and Customer.get_by_id(credited.id).credit_limit == Decimal("500")
    generous = factories.customer("Generous", reseller=own, credit_limit=Decimal("10000"))
    kept = client.post(f"/customers/{generous.id}", data={"csrf_token": token, "version": generous.version,
                                                          "credit_limit": "10000", "city": "Graz"})
    assert kept.status_code == 303 and Customer.get_by_id(generous.id).city == "Graz"


def test_operators_set_any_opening_amount_and_limit(client):
    token = csrf_token(client)
    response = create(client, token, name="Big", balance="5000", credit_limit="")
    assert response.status_code == 303 and Customer.get(name="Big").balance == Decimal("5000")


def test_a_name_clash_reveals_nothing_to_staff(app, own):
    factories.customer("Foreign Secret", reseller=factories.reseller("Other Reseller Ltd"))
    factories.customer("Mine Already", reseller=own)
    client, token = staff_client(app, own)
    for name in ("Foreign Secret", "Mine Already"):
        response = create(client, token, name=name)
        assert response.status_code == 422
        error = soup(response).find(id="e-name").get_text()
        assert "cannot be used" in error and "already exists" not in error
    mine = Customer.get(name="Mine Already")
    renamed = client.post(f"/customers/{mine.id}", headers={**HTMX, "X-CSRFToken": token},
                          data={"csrf_token": token, "version": mine.version, "name": "Foreign Secret"})
    assert renamed.status_code == 422 and "already exists" not in renamed.get_data(as_text=True)


def test_a_name_clash_from_a_race_reveals_nothing_either(app, own, monkeypatch):
    from data import editing
    client, token = staff_client(app, own)
    factories.customer("Raced", reseller=factories.reseller("Rival"))
    monkeypatch.setattr(editing, "_check_name", lambda *args, **kwargs: None)  # the clash appears after the check
    response = create(client, token, name="Raced")
    assert response.status_code == 422 and "cannot be used" in soup(response).find(id="e-name").get_text()


def test_a_partial_edit_changes_only_the_fields_sent(client):
    token = csrf_token(client)
    cls = factories.customer_class("Gold")
    distributor = factories.distributor("Dist")
    c = factories.customer("Partial", customer_type="retail", distributor=distributor, balance_control="prepaid",
                           country="DE", customer_class=cls, credit_limit=Decimal("250"), city="Bonn")
    response = client.post(f"/customers/{c.id}", data={"csrf_token": token, "version": c.version, "city": "Köln"})
    assert response.status_code == 303
    after = Customer.get_by_id(c.id)
    assert (after.city, after.balance_control, after.country, after.customer_class_id, after.credit_limit,
            after.distributor_id, after.customer_type) == ("Köln", "prepaid", "DE", cls.id, Decimal("250"),
                                                           distributor.id, "retail")
    assert [h.field for h in history.entries(c.id) if h.action == "edit"] == ["city"]
    cleared = client.post(f"/customers/{c.id}", data={"csrf_token": token, "version": after.version,
                                                      "credit_limit": "", "country": ""})
    assert cleared.status_code == 303  # a field sent empty is cleared
    assert (Customer.get_by_id(c.id).credit_limit, Customer.get_by_id(c.id).country) == (None, "")


def test_staff_forms_show_only_what_staff_may_set(app, own, client):
    staff, _ = staff_client(app, own)
    names = {i.get("name") for i in soup(staff.get("/customers/new")).select("form.customer-form [name]")}
    assert not names & {"customer_type", "reseller", "distributor", "balance", "available_funds"}
    assert {"name", "currency", "credit_limit", "balance_control"} <= names
    assert "A retail customer of Own Reseller Ltd" in staff.get("/customers/new").get_data(as_text=True)
    sub = factories.customer("Sub", reseller=own)
    edit = {i.get("name") for i in soup(staff.get(f"/customers/{sub.id}")).select("form.customer-form [name]")}
    assert not edit & {"customer_type", "reseller", "distributor"}
    operator = {i.get("name") for i in soup(client.get("/customers/new")).select("form.customer-form [name]")}
    assert {"customer_type", "reseller", "distributor", "balance", "available_funds"} <= operator


@pytest.mark.parametrize("scope", ["direct", "all", ""])
def test_staff_scopes_all_mean_their_own_customers(app, own, scope):
    factories.customer("Own Sub", reseller=own)
    factories.customer("Direct Other")
    client, _ = staff_client(app, own)
    for headers in ({}, HTMX):
        response = client.get("/customers", query_string={"scope": scope} if scope else {}, headers=headers)
        assert response.status_code == 200
        assert "Own Sub" in soup(response).select_one("#results").get_text()
        assert "Direct Other" not in response.get_data(as_text=True)
        if headers:
            assert "scope=" not in response.headers.get("HX-Push-Url", "")
