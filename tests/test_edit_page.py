"""The Create / Edit Customer page over HTTP: sections, validation, status changes, money, history."""
from decimal import Decimal

from data import history
from data.models import Customer
from data.records import Account
from tests import factories
from tests.conftest import HTMX, _empty_tables, fresh, soup


def post(client, url, token, htmx=False, **data):
    headers = {**HTMX, "X-CSRFToken": token} if htmx else {}
    return client.post(url, data={"csrf_token": token, **data}, headers=headers)


def test_create_customer(client, token):
    response = post(client, "/customers/new", token, name="  New Person ", currency="EUR", balance_control="prepaid",
                    available_funds="25", email="new@example.org", country="de", customer_type="retail")
    assert response.status_code == 303
    c = Customer.get(name="New Person")
    assert (c.currency, c.country, c.available_funds, c.status) == ("EUR", "DE", Decimal("25"), "active")
    assert response.headers["Location"] == f"/customers/{c.id}"
    assert {h.action for h in history.entries(c.id)} == {"create"}  # one row per opening value


def test_create_refuses_bad_input_inline_with_422(client, token):
    factories.customer("Taken")
    response = post(client, "/customers/new", token, name="Taken", currency="XYZ", email="nope", credit_limit="ten")
    assert response.status_code == 422
    html = soup(response)
    for field, words in (("name", "already exists"), ("currency", "ISO 4217"), ("email", "not an e-mail"),
                         ("credit_limit", "not an amount")):
        assert html.find(id=f"f-{field}")["aria-invalid"] == "true"
        assert words in html.find(id=f"e-{field}").get_text()
    assert html.find(id="f-email")["value"] == "nope"  # what was typed is kept
    assert Customer.select().count() == 1


def test_edit_page_has_every_section(client):
    c = factories.customer("Sectioned")
    html = soup(client.get(f"/customers/{c.id}"))
    legends = [legend.get_text(strip=True) for legend in html.find_all("legend")]
    headings = [h.get_text(strip=True) for h in html.select("article h2")]
    assert legends == ["General", "Address info", "Web self-care", "Add a subscription"]
    assert headings == ["Status", "Fraud protection", "Balance and payments", "Subscriptions", "Web self-care password",
                        "History"]
    assert html.find(id="f-currency").has_attr("disabled")  # fixed once saved


def edit_form(client, customer):
    html = soup(client.get(f"/customers/{customer.id}"))
    form = html.find("form", class_="customer-form")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}
    for sel in form.find_all("select"):
        if sel.get("name") and not sel.has_attr("disabled"):
            chosen = sel.find("option", selected=True)
            data[sel["name"]] = chosen["value"] if chosen else ""
    return data


def test_save_changes_and_history(client):
    c = factories.customer("Editable", city="Oldtown")
    data = edit_form(client, c)
    data.update(city="Newtown", credit_limit="150.50")
    response = client.post(f"/customers/{c.id}", data=data)
    assert response.status_code == 303
    assert (fresh(c).city, fresh(c).credit_limit) == ("Newtown", Decimal("150.5"))
    rows = {(h.field, h.old_value, h.new_value) for h in history.entries(c.id) if h.action == "edit"}
    assert ("city", "Oldtown", "Newtown") in rows and ("credit_limit", "", "150.5") in rows
    assert "Changes saved." in client.get(f"/customers/{c.id}").get_data(as_text=True)


def test_currency_is_fixed_once_saved(client):
    c = factories.customer(currency="USD")
    data = edit_form(client, c)
    data["currency"] = "EUR"
    response = client.post(f"/customers/{c.id}", data=data)
    assert response.status_code == 422 and "is fixed once the customer is saved" in response.get_data(as_text=True)
    assert fresh(c).currency == "USD"


def test_second_editor_is_told_to_reload(client):
    c = factories.customer("Shared", city="A")
    first, second = edit_form(client, c), edit_form(client, c)
    first["city"] = "B"
    assert client.post(f"/customers/{c.id}", data=first).status_code == 303
    second["city"] = "C"
    response = client.post(f"/customers/{c.id}", data=second, headers={**HTMX, "X-CSRFToken": second["csrf_token"]})
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    assert fresh(c).city == "B"


def test_htmx_validation_error_is_a_422_fragment(client):
    c = factories.customer()
    data = edit_form(client, c)
    data["email"] = "broken@"
    response = client.post(f"/customers/{c.id}", data=data, headers={**HTMX, "X-CSRFToken": data["csrf_token"]})
    assert response.status_code == 422
    html = soup(response)
    assert html.find("html") is None and html.find(id="customer-page") is not None
    assert html.find(id="f-email")["aria-invalid"] == "true"


def test_status_dialog_offers_only_valid_actions(client, token):
    c = factories.customer(suspended=True)
    html = soup(client.get(f"/customers/{c.id}"))
    offered = [i["value"] for i in html.select("#status .status-actions input[name=action]")]
    assert offered == ["set_blocked", "lift_suspension", "provisionally_terminate", "permanently_terminate"]
    assert html.select_one("#status input[name=until]")["type"] == "date"
    assert html.select_one("#status input[name=suspended]").has_attr("checked")
    kept = post(client, f"/customers/{c.id}/status", token, htmx=True, action="lift_suspension", suspended="1",
                until="2099-01-01", version=c.version)
    assert kept.status_code == 422 and "clear the Suspended box" in kept.get_data(as_text=True)
    response = post(client, f"/customers/{c.id}/status", token, action="lift_suspension", until="2099-01-01",
                    version=c.version)
    assert response.status_code == 303 and fresh(c).status == "suspension_lifted"
    refused = post(client, f"/customers/{c.id}/status", token, htmx=True, action="restore", version=fresh(c).version)
    assert refused.status_code == 409 and "is not possible" in refused.get_data(as_text=True)
    bad = post(client, f"/customers/{c.id}/status", token, htmx=True, action="lift_suspension", until="someday",
               version=fresh(c).version)
    assert bad.status_code == 422 and "must be a date" in bad.get_data(as_text=True)


def test_terminated_customer_refuses_every_change(client, token):
    c = factories.customer("Closed", login="closed")
    post(client, f"/customers/{c.id}/status", token, action="permanently_terminate", version=c.version)
    assert fresh(c).status == "permanently_terminated"
    version = fresh(c).version
    data = edit_form(client, c)
    for url, fields in ((f"/customers/{c.id}", {**data, "city": "X"}),
                        (f"/customers/{c.id}/status", {"action": "unblock", "version": version}),
                        (f"/customers/{c.id}/payments", {"amount": "5", "method": "cash", "version": version}),
                        (f"/customers/{c.id}/charges", {"amount": "5", "version": version}),
                        (f"/customers/{c.id}/password", {"password": "a-long-password", "version": version})):
        response = post(client, url, token, htmx=True, **fields)
        assert response.status_code == 409, url
    assert fresh(c).version == version and fresh(c).city == ""
    html = soup(client.get(f"/customers/{c.id}"))
    assert html.select_one("fieldset.plain").has_attr("disabled") and not html.select("#status details")


def test_payments_charges_and_failures(client, token):
    c = factories.customer(balance_control="prepaid", available_funds=Decimal(0))
    assert c.status == "no_available_funds"
    ok = post(client, f"/customers/{c.id}/payments", token, htmx=True, amount="12.34", method="cash",
              version=c.version)
    assert ok.status_code == 200 and fresh(c).status == "active" and fresh(c).available_funds == Decimal("12.34")
    bad = post(client, f"/customers/{c.id}/payments", token, htmx=True, amount="-3", method="cash",
               version=fresh(c).version)
    assert bad.status_code == 422 and "more than zero" in bad.get_data(as_text=True)
    post(client, f"/customers/{c.id}/charges", token, amount="2.34", description="Setup", version=fresh(c).version)
    assert fresh(c).available_funds == Decimal("10")
    for _ in range(3):
        post(client, f"/customers/{c.id}/payments", token, outcome="failed", amount="5", reason="card declined")
    page = client.get(f"/customers/{c.id}").get_data(as_text=True)
    assert fresh(c).status == "payment_frozen" and "choose “Unfreeze payments”" in page


def test_password_is_hashed_and_not_in_history(client, token):
    c = factories.customer(login="selfcare")
    short = post(client, f"/customers/{c.id}/password", token, htmx=True, password="short", version=c.version)
    assert short.status_code == 422 and "at least 10" in short.get_data(as_text=True)
    post(client, f"/customers/{c.id}/password", token, password="correct horse battery", version=c.version)
    stored = fresh(c).password_hash
    assert stored and "correct horse" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    assert all("correct horse" not in (h.new_value + h.old_value) for h in history.entries(c.id))


def test_inline_status_change_from_the_list(client, token):
    c = factories.customer("Inline")
    menu = soup(client.get(f"/customers/{c.id}/status-menu?back=/customers", headers=HTMX))
    labels = [b.get_text(strip=True) for b in menu.find_all("button")]
    assert labels == ["Block", "Terminate provisionally", "Terminate permanently", "Cancel"]
    response = post(client, f"/customers/{c.id}/status", token, htmx=True, action="block", version=c.version, row="1")
    row = soup(response).find("tr", id=f"customer-{c.id}")
    assert response.status_code == 200 and row.select_one(".badge").get_text() == "Blocked"
    stale = post(client, f"/customers/{c.id}/status", token, htmx=True, action="unblock", version=c.version, row="1")
    assert stale.status_code == 409 and "changed by someone else" in stale.get_data(as_text=True)


def test_status_change_needs_the_csrf_token(client):
    c = factories.customer()
    response = client.post(f"/customers/{c.id}/status", data={"action": "block", "version": c.version})
    assert response.status_code == 400 and not fresh(c).blocked


def test_export_to_another_installation(client, token, runner, tmp_path):
    r = factories.reseller("Home Reseller")
    c = factories.customer("Moving", reseller=r, balance=Decimal("7.5"), credit_limit=Decimal("100"))
    factories.account(c, number="4930001")
    factories.account(c, number="4930002")
    page = client.get(f"/customers/{c.id}").get_data(as_text=True)
    assert "charged twice" in page
    response = post(client, f"/customers/{c.id}/export-file", token, version=c.version)
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert fresh(c).status == "exported"
    text = response.get_data(as_text=True)
    assert "4930001 4930002" in text
    # Another installation: an empty database with the reseller.
    _empty_tables()
    factories.reseller("Home Reseller")
    path = tmp_path / "moving.csv"
    path.write_text(text, newline="")
    result = runner.invoke(args=["import-customers", str(path)])
    assert result.exit_code == 0, result.output
    moved = Customer.get(name="Moving")
    assert (moved.balance, moved.credit_limit, moved.status, moved.reseller.name) == (
        Decimal("7.5"), Decimal("100"), "active", "Home Reseller")
    assert sorted(a.number for a in Account.select().where(Account.customer == moved.id)) == ["4930001", "4930002"]


def test_a_missing_or_garbled_version_is_refused_not_a_crash(client, token):
    c = factories.customer("Versioned", city="Here")
    data = edit_form(client, c)
    for version in ("", "abc", "-1"):
        response = client.post(f"/customers/{c.id}", data={**data, "version": version, "city": "There"})
        assert response.status_code == 303  # back to the page, with the reload message
        assert fresh(c).city == "Here"
    assert "changed by someone else" in client.get(f"/customers/{c.id}").get_data(as_text=True)


def test_the_blocked_box(client, token):
    c = factories.customer("Boxed")
    box = soup(client.get(f"/customers/{c.id}")).select_one("#status input[name=blocked]")
    assert box["type"] == "checkbox" and not box.has_attr("checked")
    post(client, f"/customers/{c.id}/status", token, action="set_blocked", blocked="1", version=c.version)
    assert fresh(c).blocked
    unchanged = post(client, f"/customers/{c.id}/status", token, htmx=True, action="set_blocked", blocked="1",
                     version=fresh(c).version)
    assert unchanged.status_code == 200 and "Nothing to change." in unchanged.get_data(as_text=True)
    post(client, f"/customers/{c.id}/status", token, action="set_blocked", version=fresh(c).version)  # cleared
    assert not fresh(c).blocked


def test_spending_controls_appear_once_and_only_when_allowed(client):
    from datetime import datetime

    from data import clock

    c = factories.customer("Spender", daily_spending_limit=Decimal("5"), spent_today=Decimal("5"),
                           spending_date=clock.today())
    page = soup(client.get(f"/customers/{c.id}"))
    assert len(page.select('input[name=action][value=reset_spending]')) == 1
    assert len(page.select('input[name=action][value=set_spending_limit]')) == 1
    gone = factories.customer("Gone Abroad", exported_at=datetime(2026, 11, 1))
    page = soup(client.get(f"/customers/{gone.id}"))
    assert not page.select('input[name=action][value=set_spending_limit]')  # it would only answer 409
