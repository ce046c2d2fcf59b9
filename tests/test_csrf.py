"""Every state-changing request without the CSRF token fails and changes nothing."""
import pytest

from data.models import Customer
from data.records import History
from tests import factories

CHANGES = (
    ("post", "/customers/new", {"name": "Sneaky", "currency": "USD"}),
    ("post", "/customers/{id}", {"name": "Renamed", "currency": "USD"}),
    ("post", "/customers/{id}/status", {"action": "block"}),
    ("post", "/customers/{id}/payments", {"amount": "5", "method": "cash"}),
    ("post", "/customers/{id}/charges", {"amount": "5"}),
    ("post", "/customers/{id}/password", {"password": "a long enough password"}),
    ("post", "/customers/{id}/export-file", {}),
    ("post", "/customers/{id}/delete", {}),
    ("delete", "/customers/{id}", {}),
    ("post", "/sign-out", {}),
)


@pytest.mark.parametrize("method,path,data", CHANGES)
@pytest.mark.parametrize("htmx", [False, True])
def test_no_token_no_change(client, method, path, data, htmx):
    c = factories.customer("Target", login="target")
    before = (Customer.select().count(), History.select().count(), Customer.get_by_id(c.id).version)
    headers = {"HX-Request": "true"} if htmx else {}
    url = path.format(id=c.id)
    response = client.delete(url, headers=headers) if method == "delete" else client.post(
        url, data={**data, "version": c.version}, headers=headers)
    assert response.status_code == 400
    assert "expired or did not come from this site" in response.get_data(as_text=True)
    assert (Customer.select().count(), History.select().count(), Customer.get_by_id(c.id).version) == before
    assert client.get("/customers").status_code == 200  # still signed in: sign-out needed the token too
