"""Quick look: /customers/<id>/quick-look is the list with the customer's panel open
(no JavaScript, reload, bookmark); htmx gets the panel alone; status actions from it."""
from decimal import Decimal

from bs4 import BeautifulSoup

from data.models import Customer
from tests import factories
from tests.conftest import HTMX, csrf_token, make_user, sign_in, soup

LOOK = {**HTMX, "HX-Target": "quick-look"}


def test_each_row_links_to_its_quick_look_with_the_list_state(client):
    c = factories.customer("Ann Look")
    page = soup(client.get("/customers?q=ann&sort=-balance"))
    link = page.select_one(f"#customer-{c.id} td.select-col a.quick-look-link")
    assert link["href"] == f"/customers/{c.id}/quick-look?q=ann&sort=-balance"
    assert link["data-hx-get"] == link["href"] and link["data-hx-target"] == "#quick-look"
    assert link["data-hx-push-url"] == "true"
    assert page.select_one("#quick-look").get_text(strip=True) == ""


def test_without_javascript_the_list_is_drawn_with_the_panel_open(client):
    c = factories.customer("Ann Look", balance=Decimal("12.50"), currency="USD")
    factories.customer("Bob Other")
    factories.invoice(c, amount=Decimal("30.00"))
    factories.payment(c, "7.25")
    response = client.get(f"/customers/{c.id}/quick-look?q=ann")
    assert response.status_code == 200
    page = soup(response)
    panel = page.select_one("#quick-look .quick-look-panel")
    assert panel["data-customer"] == str(c.id)
    assert panel.select_one("h2").get_text(" ", strip=True).startswith("Ann Look")
    text = panel.get_text(" ", strip=True)
    assert "12.50 USD" in text and "30.00 USD" in text and "7.25 USD" in text
    # The list keeps its search; closing is a plain link back to it.
    assert [a.get_text() for a in page.select("#results td.id-col a")] == ["Ann Look"]
    assert panel.select_one("a.quick-look-close")["href"] == "/customers?q=ann"
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_gets_the_panel_alone(client):
    c = factories.customer("Ann Look")
    response = client.get(f"/customers/{c.id}/quick-look?q=ann", headers=LOOK)
    page = soup(response)
    assert response.status_code == 200 and page.select_one("section.quick-look-panel") is not None
    assert page.select_one("#results") is None and page.find("html") is None
    assert {"HX-Request", "HX-Target"} <= set(response.headers["Vary"].split(", "))


def test_a_bad_list_query_still_shows_the_panel(client):
    c = factories.customer("Ann Look")
    response = client.get(f"/customers/{c.id}/quick-look?per_page=7")
    assert response.status_code == 400
    assert soup(response).select_one("#quick-look .quick-look-panel") is not None


def test_others_customers_are_404(app):
    mine, theirs = factories.reseller("Mine Ltd"), factories.reseller("Theirs Ltd")
    own = factories.customer("Own Sub", reseller=mine)
    foreign = factories.customer("Foreign Sub", reseller=theirs)
    client = sign_in(app.test_client(), make_user("staff", "reseller_staff", mine))
    assert client.get(f"/customers/{own.id}/quick-look").status_code == 200
    for headers in ({}, LOOK):
        response = client.get(f"/customers/{foreign.id}/quick-look", headers=headers)
        assert response.status_code == 404 and "Foreign Sub" not in response.get_data(as_text=True)
    assert client.get("/customers/999999/quick-look").status_code == 404


def test_status_actions_follow_the_role(app, client):
    c = factories.customer("Ann Look")
    buttons = soup(client.get(f"/customers/{c.id}/quick-look", headers=LOOK)).select(".status-actions button")
    assert [b.get_text(" ", strip=True) for b in buttons] == [
        "Block", "Yes, terminate provisionally “Ann Look”", "Yes, terminate permanently “Ann Look”"]
    viewer = sign_in(app.test_client(), make_user("viewer", "operator_viewer"))
    assert not soup(viewer.get(f"/customers/{c.id}/quick-look", headers=LOOK)).select(".status-actions")


def _panel_form(client, c, action):
    page = soup(client.get(f"/customers/{c.id}/quick-look?q=ann", headers=LOOK))
    form = next(f for f in page.select(".status-actions form")
                if f.find("input", attrs={"name": "action"})["value"] == action)
    return form, {i["name"]: i["value"] for i in form.find_all("input")}


def test_a_status_action_answers_with_the_panel_and_the_row(client):
    c = factories.customer("Ann Look")
    form, data = _panel_form(client, c, "block")
    assert form["data-hx-target"] == "#quick-look" and data["look"] == "1"
    assert data["back"] == f"/customers/{c.id}/quick-look?q=ann"
    response = client.post(form["data-hx-post"], data=data, headers={**HTMX, "X-CSRFToken": data["csrf_token"]})
    assert response.status_code == 200
    page = soup(response)
    assert Customer.get_by_id(c.id).blocked
    assert "Block: done." in page.select_one("[role=alert]").get_text()
    assert page.select_one(".quick-look-panel h2 .badge").get_text() == "Blocked"
    # The list row, redrawn out of band (in a <template>: a lone <tr> would be dropped).
    # (html.parser keeps a <template>'s content apart: it is parsed again on its own.)
    row = soup(response).find("template")
    row = BeautifulSoup(row.decode_contents(), "html.parser").find("tr")
    assert row["id"] == f"customer-{c.id}" and row["data-hx-swap-oob"] == "true"
    assert row.select_one(".badge").get_text() == "Blocked"
    assert row.select_one("a.quick-look-link")["href"] == f"/customers/{c.id}/quick-look?q=ann"
    # Sent again with the old version: refused, said in the panel, nothing changed.
    again = client.post(form["data-hx-post"], data=data, headers={**HTMX, "X-CSRFToken": data["csrf_token"]})
    assert again.status_code == 409 and soup(again).select_one(".quick-look-panel [role=alert]") is not None


def test_without_javascript_a_status_action_returns_to_the_quick_look(client):
    c = factories.customer("Ann Look")
    form, data = _panel_form(client, c, "block")
    response = client.post(form["action"], data=data)
    assert response.status_code == 303 and response.headers["Location"] == f"/customers/{c.id}/quick-look?q=ann"
    page = soup(client.get(response.headers["Location"]))
    assert "Block: done." in page.select_one("#flash").get_text()
    assert Customer.get_by_id(c.id).blocked


def test_a_foreign_back_address_is_not_followed(client):
    c = factories.customer("Ann Look")
    response = client.post(f"/customers/{c.id}/status", data={
        "action": "block", "look": "1", "version": c.version, "back": "https://evil.example/",
        "csrf_token": csrf_token(client)})
    assert response.status_code == 303 and response.headers["Location"] == "/customers"
