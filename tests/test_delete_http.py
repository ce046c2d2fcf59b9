"""Deleting from the list (htmx) and without JavaScript; the 409 refusal; CSRF."""
import pytest

from data.models import Customer
from tests import factories
from tests.conftest import HTMX, csrf_headers, csrf_token, soup

# A row's cells past the bulk actions' tick box (issue 13).
CELLS = "td:not(.select-col)"


def exists(customer):
    return Customer.select().where(Customer.id == customer.id).exists()


def test_delete_icon_only_for_deletable_customers(client):
    factories.customer("Free")
    busy = factories.customer("Busy")
    factories.xdr(busy)
    rows = {r.select(CELLS)[1].get_text(strip=True): r for r in soup(client.get("/customers")).select("tbody tr")}
    link = rows["Free"].select_one("a.delete")
    assert link["data-hx-delete"].endswith(f"/customers/{Customer.get(name='Free').id}")
    assert link["data-hx-confirm"].startswith("Delete customer “Free”?")
    assert link["data-hx-target"] == "closest tr" and link["data-hx-swap"] == "outerHTML"
    assert rows["Busy"].select_one("a.delete") is None


def test_htmx_delete_removes_the_row_and_updates_the_count(client):
    gone = factories.customer("Gone")
    factories.customer("Stays")
    response = client.delete(f"/customers/{gone.id}?q=", headers=csrf_headers(client))
    assert response.status_code == 200
    html = soup(response)
    assert html.find("tr") is None  # the row is swapped for nothing
    assert html.find(id="result-count").get_text(strip=True) == "1 customer"
    assert "Customer “Gone” was deleted." in html.find(id="flash").get_text()
    assert not exists(gone)


def test_refused_delete_is_a_409_with_the_reason_and_nothing_deleted(client):
    c = factories.customer("Has Accounts")
    headers = csrf_headers(client)
    factories.account(c)  # arrives after the page was shown with a delete icon
    response = client.delete(f"/customers/{c.id}", headers=headers)
    assert response.status_code == 409
    html = soup(response)
    row = html.find("tr", id=f"customer-{c.id}")
    assert row is not None and row.select_one("a.delete") is None
    assert "it owns accounts" in html.find(id="flash").get_text()
    assert exists(c)


def test_deleting_what_is_already_gone(client):
    response = client.delete("/customers/424242", headers=csrf_headers(client))
    assert response.status_code == 404
    assert "no longer exists" in soup(response).find(id="flash").get_text()


def test_delete_without_csrf_token_fails_and_keeps_the_customer(client):
    c = factories.customer("Safe")
    response = client.delete(f"/customers/{c.id}", headers=HTMX)
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#flash"
    assert exists(c)
    assert client.post(f"/customers/{c.id}/delete").status_code == 400
    assert exists(c)


def test_delete_without_javascript(client):
    c = factories.customer("No JS")
    back = "/customers?q=no"
    page = client.get(f"/customers/{c.id}/delete", query_string={"back": back})
    form = soup(page).select_one("main form[method=post]")
    data = {i["name"]: i["value"] for i in form.find_all("input")}
    assert data["back"] == back
    response = client.post(form["action"], data=data)
    assert response.status_code == 303 and response.headers["Location"] == back
    assert not exists(c)
    assert "Customer “No JS” was deleted." in client.get(back).get_data(as_text=True)


def test_delete_without_javascript_refused(client):
    c = factories.customer("Kept")
    factories.invoice(c)
    page = soup(client.get(f"/customers/{c.id}/delete"))
    assert page.select_one("main form[method=post]") is None
    assert "it has invoices" in page.get_text()
    token = csrf_token(client)
    response = client.post(f"/customers/{c.id}/delete", data={"csrf_token": token})
    assert response.status_code == 409 and exists(c)


def test_back_never_leaves_the_site(client):
    c = factories.customer("Away")
    token = csrf_token(client)
    response = client.post(f"/customers/{c.id}/delete", data={"csrf_token": token, "back": "https://evil.example/"})
    assert response.headers["Location"] == "/customers"


@pytest.mark.parametrize("back", ["/customers\r\nSet-Cookie: x=1", "/customers?q=a\nb", "/customers\t"])
def test_control_characters_in_back_are_a_400_before_the_delete(client, back):
    """They used to end in a 500 (a newline in Location) after the customer was deleted."""
    c = factories.customer("Kept")
    token = csrf_token(client)
    response = client.post(f"/customers/{c.id}/delete", data={"csrf_token": token, "back": back})
    assert response.status_code == 400 and exists(c)
    assert "control characters" in response.get_data(as_text=True)
    assert client.get(f"/customers/{c.id}", query_string={"back": back}).status_code == 400


def test_control_characters_in_next_are_a_400(anonymous):
    assert anonymous.get("/sign-in?next=/customers%0d%0aX:1").status_code == 400
    assert anonymous.get("/sign-in?next=/customers%3Fq%3Da").status_code == 200  # encoded: fine
