"""Item 23: reseller and distributor suggestions; terminations look destructive and ask
first (a confirmation step without JavaScript, hx-confirm in the row menu, which can be cancelled)."""
from data.models import Customer
from tests import factories
from tests.conftest import HTMX, soup


def test_the_reseller_and_distributor_inputs_have_their_suggestion_lists(client):
    factories.reseller("Acme Telecom")
    factories.reseller("Bolt Reseller")
    factories.distributor("Acme Distribution")
    for url in ("/customers/new", f"/customers/{factories.customer().id}"):
        html = soup(client.get(url))
        for name in ("reseller", "distributor"):
            field = html.find("input", attrs={"name": name})
            datalist = html.find("datalist", id=field["list"])
            assert datalist is not None, (url, name)
            assert field["data-hx-target"] == "#" + datalist["id"]
            answer = client.get(f"{field['data-hx-get']}&{name}=acme", headers=HTMX)
            names = [o["value"] for o in soup(answer).find_all("option")]
            assert names == (["Acme Telecom"] if name == "reseller" else ["Acme Distribution"])


def test_the_row_menu_marks_and_confirms_terminations_and_can_be_cancelled(client):
    c = factories.customer("Inline")
    menu = soup(client.get(f"/customers/{c.id}/status-menu?back=/customers%3Fq%3Din", headers=HTMX))
    buttons = {b.get_text(" ", strip=True): b for b in menu.find_all("button")}
    assert list(buttons) == ["Block", "Terminate provisionally", "Terminate permanently", "Cancel"]
    assert "danger" not in buttons["Block"]["class"] and not buttons["Block"].has_attr("data-hx-confirm")
    for label in ("Terminate provisionally", "Terminate permanently"):
        assert "danger" in buttons[label]["class"]
        assert buttons[label]["data-hx-confirm"].startswith(f"{label} “Inline”?")
    assert "cannot be undone" in buttons["Terminate permanently"]["data-hx-confirm"]
    cancel = buttons["Cancel"]
    assert cancel["data-hx-target"] == "closest tr" and cancel["data-hx-swap"] == "outerHTML"
    answer = client.get(cancel["data-hx-get"], headers=HTMX)
    row = soup(answer).find("tr", id=f"customer-{c.id}")
    assert answer.status_code == 200 and row.select_one("a.row-status-link") is not None
    assert Customer.get_by_id(c.id).version == c.version  # Cancel changed nothing


def test_the_row_url_without_htmx_goes_to_the_customer(client):
    c = factories.customer()
    response = client.get(f"/customers/{c.id}/row")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/customers/{c.id}")
    assert client.get("/customers/424242/row", headers=HTMX).status_code == 404


def test_terminating_from_the_edit_page_is_a_confirmation_step_without_javascript(client, token):
    c = factories.customer("Careful")
    html = soup(client.get(f"/customers/{c.id}"))
    steps = html.select("#status details.confirm-step")
    assert [s.summary.get_text(strip=True) for s in steps] == ["Terminate provisionally…", "Terminate permanently…"]
    for step in steps:
        form = step.find("form")
        assert not form.has_attr("data-hx-confirm")  # the step is the confirmation; no second dialog
        assert form.button.get_text(strip=True).startswith("Yes, terminate") and "danger" in form.button["class"]
    assert "cannot be undone" in steps[1].get_text()
    # the Change status summary is a disclosure, not a "button" (invalid on <summary>)
    assert not [s for s in html.select("summary") if s.has_attr("role")]
    # the step's form does the job without JavaScript
    data = {i["name"]: i["value"] for i in steps[1].find_all("input")}
    assert data["action"] == "permanently_terminate"
    response = client.post(steps[1].form["action"], data={**data, "csrf_token": token})
    assert response.status_code == 303 and Customer.get_by_id(c.id).status == "permanently_terminated"
