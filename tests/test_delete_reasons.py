"""Item 21: a list row without a Delete icon says why, and where the reasons are listed."""
from datetime import datetime

from tests import factories
from tests.conftest import csrf_headers, make_user, sign_in, soup

# A row's cells past the bulk actions' tick box (issue 13).
CELLS = "td:not(.select-col)"


def rows(client, url="/customers"):
    return {r.select(CELLS)[1].get_text(strip=True): r for r in soup(client.get(url)).select("tbody tr")}


def test_a_row_that_cannot_be_deleted_says_why(client):
    factories.customer("Free")
    busy = factories.customer("Busy")
    factories.xdr(busy, account=factories.account(busy))
    found = rows(client)
    assert found["Free"].select_one("a.delete-blocked") is None
    blocked = found["Busy"].select_one("a.delete-blocked")
    assert blocked["title"] == "Cannot be deleted: it has xDRs; it owns accounts"
    assert blocked.svg["aria-label"] == "Busy cannot be deleted: it has xDRs; it owns accounts"
    assert blocked["href"].startswith(f"/customers/{busy.id}/delete")
    assert not blocked.has_attr("data-hx-delete") and not blocked.has_attr("data-hx-delete")
    # where it leads (touch, keyboard, no JavaScript): the reasons, and no delete button
    page = soup(client.get(blocked["href"]))
    assert page.h1.get_text(strip=True) == "Customer “Busy” cannot be deleted"
    assert [li.get_text(strip=True) for li in page.select("ul.reasons li")] == ["it has xDRs", "it owns accounts"]
    assert page.select_one("main form[method=post]") is None


def test_a_permanently_terminated_row_says_it_is_kept(client):
    factories.customer("Closed", terminated_at=datetime(2026, 1, 1))
    title = rows(client)["Closed"].select_one("a.delete-blocked")["title"]
    assert "permanently terminated and kept for regulatory purposes" in title


def test_read_only_roles_get_no_delete_column_hints(app):
    factories.xdr(factories.customer("Busy"))
    viewer = sign_in(app.test_client(), make_user("viewer", "operator_viewer"))
    assert rows(viewer)["Busy"].select_one("a.delete-blocked, a.delete") is None


def test_a_refused_htmx_delete_redraws_the_row_with_the_reason(client):
    c = factories.customer("Late")
    headers = csrf_headers(client)
    factories.invoice(c)
    response = client.delete(f"/customers/{c.id}", headers=headers)
    assert response.status_code == 409
    assert soup(response).select_one(f"#customer-{c.id} a.delete-blocked")["title"] == \
        "Cannot be deleted: it has invoices"
