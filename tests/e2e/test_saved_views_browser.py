"""Saved views and chosen columns of the customer list (issue 13) in Chromium: save the list
as a view from its Views menu, open it again, pick and order columns with the keyboard."""
import re

from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import ARTIFACTS, names, violations


def snap(page, name):
    """A full-page screenshot of ``page`` (the ``screenshot`` fixture shoots the plain ``page``)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, caret="initial")


def people():
    gold = factories.customer_class("Gold")
    acme = factories.reseller("Acme Ltd")
    factories.customer("Ann Sub", reseller=acme, company_name="Ann's Bakery", country="DE", customer_class=gold,
                       phone="+49 30 1234")
    factories.customer("Anna Direct", company_name="Anna GmbH", country="AT")
    factories.customer("Bob Direct", country="FR")


def test_saving_the_list_as_a_view_and_opening_it(admin_axe_page, live_server, console_errors):
    page = admin_axe_page
    people()
    page.goto(f"{live_server}/customers?scope=all")
    page.locator("#q").fill("ann")
    expect(page).to_have_url(re.compile(r"q=ann"))
    assert names(page) == ["Ann Sub", "Anna Direct"]
    page.locator("#views-menu summary").click()
    assert violations(page) == []
    snap(page, "views-menu-1280")
    page.get_by_role("link", name="Save this list as a view…").click()
    expect(page.get_by_role("heading", name="Save this list as a view")).to_be_visible()
    assert violations(page) == []
    page.get_by_label("Name").fill("Ann everywhere")
    page.get_by_label("Share with my team").check()
    page.get_by_role("button", name="Save view").click()
    expect(page).to_have_url(re.compile(r"/customers\?scope=all&q=ann$"))
    expect(page.locator("#views-menu summary")).to_contain_text("View: Ann everywhere")
    expect(page.locator("#flash")).to_contain_text("Saved the view “Ann everywhere”")
    # Back to the default list, then the view again from the menu.
    page.locator("#views-menu summary").click()
    page.get_by_role("link", name="Default list").click()
    expect(page.locator("#views-menu summary")).to_have_text(re.compile(r"^\s*Views\s*$"))
    assert names(page) == ["Acme Ltd", "Anna Direct", "Bob Direct"]
    page.locator("#views-menu summary").click()
    page.get_by_role("link", name="Ann everywhere").click()
    expect(page).to_have_url(re.compile(r"scope=all&q=ann$"))
    assert names(page) == ["Ann Sub", "Anna Direct"]
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#views-menu summary").click()
    expect(page.get_by_role("link", name="Manage views")).to_be_visible()
    snap(page, "views-menu-390")
    assert violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})
    # The views page: rename, share, landing view, delete; axe-clean at both widths.
    page.goto(f"{live_server}/customers/views")
    assert violations(page) == []
    snap(page, "saved-views-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    snap(page, "saved-views-390")
    assert violations(page) == []
    assert console_errors == []


def test_choosing_and_ordering_columns_with_the_keyboard(admin_axe_page, live_server, console_errors):
    page = admin_axe_page
    people()
    page.goto(f"{live_server}/customers?scope=all")
    page.locator("#views-menu summary").click()
    page.get_by_role("link", name="Columns and rows…").click()
    expect(page.get_by_role("heading", name="Columns of the customer list")).to_be_visible()
    assert violations(page) == []
    for label in ("Company", "Country", "Customer class"):
        page.get_by_label(label, exact=False).first.check()
    page.get_by_label("Compact", exact=False).check()
    # Up, Up, Up with the keyboard: the focus stays on the button after each redraw.
    up = page.get_by_role("button", name="Move Company up")
    up.focus()
    start = page.locator("input[name=order]").evaluate_all("els => els.map(e => e.value)").index("company_name")
    for place in range(start - 1, 1, -1):   # from below Delete to just below ID
        expect(page.locator("#columns-form.htmx-request")).to_have_count(0)
        page.keyboard.press("Enter")
        expect(page.locator("input[name=order]").nth(place)).to_have_value("company_name")
        expect(page.get_by_role("button", name="Move Company up")).to_be_focused()
    expect(page.locator("#columns-status")).to_contain_text("Saved")
    order = page.locator("input[name=order]").evaluate_all("els => els.map(e => e.value)")
    assert order[:4] == ["xdrs", "name", "company_name", "accounts"]
    assert violations(page) == []
    snap(page, "list-columns-form")
    page.get_by_role("link", name="Back to the list").click()
    expect(page).to_have_url(re.compile(r"/customers\?scope=all$"))
    headers = page.locator("#results thead th").all_inner_texts()
    assert [h.strip() for h in headers[1:5]] == ["xDRs", "ID", "Company", "Accounts"]
    assert "Country" in [h.strip() for h in headers] and "Class" in [h.strip() for h in headers]
    expect(page.locator("table.customers")).to_have_class(re.compile(r"\bcompact\b"))
    expect(page.locator("#customer-2")).to_contain_text("Ann's Bakery")
    # Live search keeps the columns (the htmx fragment honours them too).
    page.locator("#q").fill("anna")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results tbody tr")).to_contain_text("Anna GmbH")
    assert violations(page) == []
    page.locator("#q").fill("")
    expect(page.locator("#results tbody tr")).to_have_count(4)
    page.set_viewport_size({"width": 1280, "height": 800})
    snap(page, "list-columns-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    snap(page, "list-columns-390")
    assert violations(page) == []
    assert console_errors == []
