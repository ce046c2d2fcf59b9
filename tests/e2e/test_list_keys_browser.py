"""The customer list from the keyboard (static/js/list-keys.js), marked matches and the
quick look panel, in Chromium."""
import re
from decimal import Decimal

from playwright.sync_api import expect

from data.models import Customer
from tests import factories
from tests.e2e.conftest import names, violations

FOCUSED_ROW = "() => { const tr = document.activeElement.closest('tr'); return tr ? tr.id : null; }"


def _people():
    ann = factories.customer("Ann Able", email="ann@able.example", balance=Decimal("12.50"))
    ben = factories.customer("Ben Baker", login="annie")
    cat = factories.customer("Cat Cole")
    return ann, ben, cat


def test_every_key(admin_page, live_server, console_errors):
    page = admin_page
    ann, ben, cat = _people()
    page.goto(f"{live_server}/customers")
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("ann")   # typed into the box: j, k and x do nothing there
    expect(page.locator("#result-count")).to_contain_text("2 customers")
    assert names(page) == ["Ann Able", "Ben Baker"]
    # The rows were swapped in by htmx; the keys still work on them.
    expect(page.locator(f"#customer-{ann.id} td.id-col mark")).to_have_text("Ann")
    expect(page.locator(f"#customer-{ben.id} .matched-in")).to_have_text("matched in login")
    # Out of the box (Tab would land in a select); leaving it asks nothing again (static/js/no-repeat-search.js).
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("j")
    assert page.evaluate(FOCUSED_ROW) == f"customer-{ann.id}"
    expect(page.locator(f"#customer-{ann.id}")).to_have_attribute("aria-current", "true")
    page.keyboard.press("j")
    assert page.evaluate(FOCUSED_ROW) == f"customer-{ben.id}"
    expect(page.locator(f"#customer-{ann.id}")).not_to_have_attribute("aria-current", "true")
    page.keyboard.press("j")   # the last row stays the last
    assert page.evaluate(FOCUSED_ROW) == f"customer-{ben.id}"
    page.keyboard.press("k")
    assert page.evaluate(FOCUSED_ROW) == f"customer-{ann.id}"
    page.keyboard.press("x")
    expect(page.get_by_label("Select Ann Able")).to_be_checked()
    page.keyboard.press("x")
    expect(page.get_by_label("Select Ann Able")).not_to_be_checked()
    page.get_by_label("Select Ann Able").click()   # a tick box has the focus: the keys go on
    page.keyboard.press("j")
    assert page.evaluate(FOCUSED_ROW) == f"customer-{ben.id}"
    page.keyboard.press("k")
    page.keyboard.press("x")
    expect(page.get_by_label("Select Ann Able")).not_to_be_checked()
    page.keyboard.press("?")
    expect(page.locator("#key-help")).to_be_visible()
    expect(page.locator("#key-help")).to_contain_text("Tick or untick")
    page.keyboard.press("Escape")
    expect(page.locator("#key-help")).to_be_hidden()
    # Enter: the quick look; the address names the customer and keeps the search.
    page.locator(f"#customer-{ann.id} a.quick-look-link").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#quick-look-title")).to_be_focused()
    expect(page.locator("#quick-look")).to_contain_text("12.50")
    expect(page).to_have_url(re.compile(rf"/customers/{ann.id}/quick-look\?q=ann$"))
    page.keyboard.press("Escape")
    expect(page.locator("#quick-look .quick-look-panel")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/customers\?q=ann$"))
    assert page.evaluate(FOCUSED_ROW) == f"customer-{ann.id}"   # focus back on its row
    page.keyboard.press("o")
    expect(page).to_have_url(re.compile(rf"/customers/{ann.id}\?back="))
    assert not console_errors


def test_keys_do_not_fire_while_typing(admin_page, live_server):
    page = admin_page
    _people()
    page.goto(f"{live_server}/customers")
    page.locator("#q").click()
    page.keyboard.type("j?x/")
    expect(page.locator("#q")).to_have_value("j?x/")
    expect(page.locator("#key-help")).to_be_hidden()
    expect(page.locator("tr[aria-current]")).to_have_count(0)


def test_quick_look_status_action_and_close_button(admin_page, live_server, console_errors, screenshot):
    page = admin_page
    ann, _, _ = _people()
    page.goto(f"{live_server}/customers")
    page.get_by_role("link", name="Quick look at Ann Able").click()
    panel = page.locator("#quick-look .quick-look-panel")
    expect(panel).to_be_visible()
    expect(page.locator("#quick-look-title")).to_be_focused()
    screenshot("quick-look-1280")
    panel.get_by_role("button", name="Block").click()
    expect(panel.get_by_role("alert")).to_contain_text("Block: done.")
    expect(panel.locator("h2 .badge")).to_have_text("Blocked")
    expect(page.locator(f"#customer-{ann.id} .status-cell .badge")).to_have_text("Blocked")  # the row too
    assert Customer.get_by_id(ann.id).blocked
    panel.get_by_role("button", name="Unblock").click()
    expect(panel.get_by_role("alert")).to_contain_text("Unblock: done.")
    page.get_by_role("button", name="Close the quick look").click()
    expect(panel).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/customers$"))
    expect(page.locator(f"#customer-{ann.id} a.quick-look-link")).to_be_focused()
    assert not console_errors


def test_reloading_a_quick_look_opens_it_again(admin_page, live_server, console_errors, screenshot):
    page = admin_page
    ann, _, _ = _people()
    factories.invoice(ann, amount=Decimal("30.00"))
    factories.payment(ann, "7.25")
    page.goto(f"{live_server}/customers/{ann.id}/quick-look?q=ann")
    expect(page.locator("#quick-look-title")).to_be_focused()
    assert names(page) == ["Ann Able", "Ben Baker"]
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("quick-look-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.keyboard.press("Escape")
    screenshot("list-marks-1280")
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("?")
    screenshot("key-help-1280")
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"/customers\?q=ann$"))
    # A new search closes an open panel: its address names no customer.
    page.get_by_role("link", name="Quick look at Ben Baker").click()
    expect(page.locator("#quick-look-title")).to_have_text("Ben Baker")
    page.locator("#q").fill("cat")
    expect(page.locator("#result-count")).to_contain_text("1 customer")
    expect(page.locator("#quick-look .quick-look-panel")).to_have_count(0)
    assert not console_errors


def test_phone_sheet_and_axe(axe_page, live_server, screenshot):
    from tests.conftest import make_user
    from tests.e2e.conftest import sign_in
    page = axe_page
    make_user()
    ann, _, _ = _people()
    factories.invoice(ann, amount=Decimal("30.00"))
    factories.payment(ann, "7.25")
    sign_in(page, live_server)
    found = {}
    page.goto(f"{live_server}/customers?q=ann")
    found["marked list"] = violations(page)
    page.goto(f"{live_server}/customers/{ann.id}/quick-look?q=ann")
    expect(page.locator("#quick-look-title")).to_be_focused()
    found["quick look"] = violations(page)
    page.keyboard.press("Escape")
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("?")
    expect(page.locator("#key-help")).to_be_visible()
    found["key help"] = violations(page)
    page.keyboard.press("Escape")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/customers/{ann.id}/quick-look?q=ann")
    box = page.locator("#quick-look").bounding_box()
    assert box["x"] == 0 and box["width"] == 390   # a full-width sheet
    found["quick look on a phone"] = violations(page)
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_escape_closes_a_rows_status_menu(admin_page, live_server, console_errors):
    page = admin_page
    ann, _, _ = _people()
    page.goto(f"{live_server}/customers")
    page.get_by_role("link", name="Change the status of Ann Able").click()
    menu = page.locator(f"#customer-{ann.id} .row-actions")
    expect(menu).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    expect(page.locator(f"#customer-{ann.id} a.row-status-link")).to_be_visible()
    expect(page.locator(f"#customer-{ann.id} a.quick-look-link")).to_be_focused()   # the keys go on from the row
    assert not console_errors
