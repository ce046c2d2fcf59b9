"""Item 24 for the edit, new-customer, delete, xDRs and accounts pages: what the Nu HTML
checker and axe-core complained about, checked on the HTML itself (the browser suite runs
axe on them too): no role on <summary>, autocomplete tokens that fit their control, a label
for every control, and date inputs that only ever carry dates."""
from datetime import datetime

import pytest

from tests import factories
from tests.conftest import csrf_token, soup

# The autofill tokens of the HTML standard that a one-line text control may carry
# (plus "off"); "street-address" is for multi-line controls only.
ONE_LINE_TOKENS = {
    "off", "on", "name", "given-name", "family-name", "organization", "address-line1", "address-line2",
    "address-level1", "address-level2", "postal-code", "country", "country-name", "email", "tel",
    "username", "new-password", "current-password", "url",
}


@pytest.fixture
def pages(client):
    busy = factories.customer("Busy Line", payment_frozen=True, suspended=True)
    factories.xdr(busy, account=factories.account(busy), when=datetime(2026, 11, 1, 10, 0))
    free = factories.customer("Free Line")
    gold = factories.customer_class("Gold", fees={"EUR": "4"})
    return {
        "classes": "/classes",
        "class": f"/classes/{gold.id}",
        "class-new": "/classes/new",
        "new": "/customers/new",
        "edit": f"/customers/{busy.id}",
        "edit-free": f"/customers/{free.id}",
        "delete": f"/customers/{free.id}/delete",
        "delete-refused": f"/customers/{busy.id}/delete",
        "xdrs": f"/customers/{busy.id}/xdrs?from=2026-10-01",
        "accounts": f"/customers/{busy.id}/accounts",
        "quick-look": f"/customers/{busy.id}/quick-look?scope=all",
        "activity": "/activity",
        "activity-refused": "/activity?from=2026-02-30",
        "saved-views": "/customers/views?save=q%3Dbusy",
        "list-columns": "/customers/columns",
        "imports": "/imports",
    }


def controls(html):
    for element in html.select("main input, main select, main textarea"):
        if element.get("type") not in ("hidden", "submit", "button"):
            yield element


def has_label(html, element):
    if element.get("aria-label") or element.get("aria-labelledby"):
        return True
    if element.find_parent("label") is not None:
        return True
    return bool(element.get("id")) and html.find("label", attrs={"for": element["id"]}) is not None


def test_every_control_has_a_label(client, pages):
    for name, url in pages.items():
        html = soup(client.get(url))
        unlabelled = [str(e)[:80] for e in controls(html) if not has_label(html, e)]
        assert not unlabelled, (name, unlabelled)


def test_no_role_on_summary_and_autocomplete_tokens_fit(client, pages):
    for name, url in pages.items():
        html = soup(client.get(url))
        assert not html.select("summary[role]"), name
        for element in html.select("input[autocomplete]"):
            assert element["autocomplete"] in ONE_LINE_TOKENS, (name, str(element)[:100])
    address = soup(client.get(pages["new"])).find("input", attrs={"name": "address"})
    assert address["autocomplete"] == "address-line1"


def test_ids_are_unique_and_lists_point_at_datalists(client, pages):
    for name, url in pages.items():
        html = soup(client.get(url))
        ids = [e["id"] for e in html.select("[id]")]
        assert len(ids) == len(set(ids)), (name, sorted({i for i in ids if ids.count(i) > 1}))
        for element in html.select("input[list]"):
            assert html.find("datalist", id=element["list"]) is not None, (name, element["list"])


def test_a_bad_date_is_named_in_the_message_not_put_into_the_date_input(client):
    c = factories.customer()
    html = soup(client.get(f"/customers/{c.id}/xdrs?from=nope&to=2026-11-30"))
    assert html.find("input", attrs={"name": "from"})["value"] == ""
    assert html.find("input", attrs={"name": "to"})["value"] == "2026-11-30"
    assert "“nope” is not a date" in html.select_one("#xdr-results [role=alert]").get_text()


def test_the_delete_page_form_and_the_new_form_after_an_error_keep_their_labels(client):
    token = csrf_token(client)
    response = client.post("/customers/new", data={"csrf_token": token, "name": "", "balance": "abc"})
    assert response.status_code == 422
    html = soup(response)
    assert not [e for e in controls(html) if not has_label(html, e)]
    for element in html.select("[aria-invalid=true]"):
        assert html.find(id=element["aria-describedby"]) is not None


def contrast(foreground, background):
    def luminance(hex_colour):
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_hint_text_is_readable():
    """axe's colour-contrast rule: .muted text (hints, "No limit", "No changes recorded yet")
    needs 4.5:1 on the white cards and on the grey page."""
    import re
    from pathlib import Path
    css = (Path(__file__).resolve().parents[1] / "static" / "app.css").read_text()
    colour = re.search(r"^\.muted \{ color: (#[0-9a-f]{6}); \}", css, re.M).group(1)
    for background in ("#ffffff", "#f6f7f9", "#eef1f5"):  # cards, page, table heads
        assert contrast(colour, background) >= 4.5, (colour, background)


def test_htmx_attributes_are_valid_html(client, pages):
    """HTML allows custom attributes only as data-*: htmx reads data-hx-* as well as hx-*."""
    urls = [*pages.values(), "/customers", "/customers?advanced=1", "/customers?q=line"]
    seen = 0
    for url in urls:
        for element in soup(client.get(url)).find_all(True):
            bare = [name for name in element.attrs if name.startswith("hx-")]
            assert not bare, f"{url}: <{element.name} {' '.join(bare)}>"
            seen += sum(name.startswith("data-hx-") for name in element.attrs)
    assert seen > 20
