"""The list as a workspace (issue 13) in Chromium: status chips, totals, Owner column, Is any of."""
import re
from decimal import Decimal

from playwright.sync_api import expect

from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import names, press_back, sign_in, violations


def mix():
    acme = factories.reseller("Acme Ltd")
    factories.customer("Ann Blocked", blocked=True, balance=Decimal("10.25"))
    factories.customer("Ben Suspended", suspended=True, reseller=acme)
    factories.customer("Cat Blocked", blocked=True, currency="EUR", balance=Decimal("4"))
    factories.customer("Dan Fine", balance=Decimal("1.5"))


def chip(page, label):
    return page.locator("#status-chips").get_by_role("link", name=re.compile(f"^{label}"))


def test_clicking_chips_filters_and_toggles(admin_axe_page, live_server, console_errors):
    page = admin_axe_page
    mix()
    page.goto(f"{live_server}/customers?scope=all")
    expect(chip(page, "Blocked")).to_contain_text("2")
    expect(page.locator("#money-totals table.totals")).to_contain_text("EUR")
    expect(page.locator("#results thead")).to_contain_text("Owner")
    assert violations(page) == []

    chip(page, "Blocked").click()
    expect(page).to_have_url(re.compile(r"scope=all&flt0_status_in=blocked$"))
    expect(page.locator("#results tbody tr")).to_have_count(2)
    assert names(page) == ["Ann Blocked", "Cat Blocked"]
    expect(chip(page, "Blocked")).to_have_attribute("aria-current", "true")
    expect(chip(page, "Blocked")).to_be_focused()  # the chip just pressed keeps the focus
    # The form shows the condition the chip added (its checkboxes).
    expect(page.locator("#condition-0 input[value=blocked]")).to_be_checked()
    # The totals are those of the list: only the blocked customers.
    expect(page.locator("#money-totals")).to_contain_text("10.25 USD")

    # Keyboard: Tab to the next chip and press Enter to add it.
    chip(page, "Suspended").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"flt0_status_in=blocked,suspended$"))
    expect(page.locator("#results tbody tr")).to_have_count(3)
    assert violations(page) == []

    chip(page, "Blocked").click()  # pressed again: removed
    expect(page).to_have_url(re.compile(r"flt0_status_in=suspended$"))
    assert names(page) == ["Ben Suspended"]
    page.locator("#status-chips").get_by_role("link", name="All statuses").click()
    expect(page).to_have_url(re.compile(r"/customers\?scope=all$"))
    expect(page.locator("#results tbody tr")).to_have_count(5)

    press_back(page)  # each click was a history entry: Back shows the previous filter
    expect(page).to_have_url(re.compile(r"flt0_status_in=suspended$"))
    assert names(page) == ["Ben Suspended"]
    assert not console_errors


def test_is_any_of_in_the_advanced_form_by_keyboard(admin_page, live_server, console_errors):
    page = admin_page
    mix()
    page.goto(f"{live_server}/customers?scope=all&advanced=1")
    page.select_option("#cf0", "status")
    expect(page.locator("#co0")).to_have_value("is")
    page.select_option("#co0", "in")
    boxes = page.locator("#condition-0 input[type=checkbox]")
    expect(boxes).to_have_count(11)
    page.get_by_role("checkbox", name="Suspended", exact=True).focus()
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"flt0_status_in=suspended"))
    page.get_by_role("checkbox", name="Blocked", exact=True).check()
    expect(page).to_have_url(re.compile(r"flt0_status_in=blocked,suspended"))
    expect(page.locator("#results tbody tr")).to_have_count(3)
    assert not console_errors


def test_chips_and_totals_wrap_on_a_phone(admin_axe_page, live_server, console_errors, screenshot):
    page = admin_axe_page
    page.set_viewport_size({"width": 390, "height": 844})
    mix()
    for n, currency in enumerate(("GBP", "JPY", "CHF", "BHD")):
        factories.customer(f"Far {n}", currency=currency, balance_control="prepaid",
                           available_funds=Decimal("123456789.12345"), payment_frozen=True, exported_at=None)
    page.goto(f"{live_server}/customers?scope=all")
    expect(page.locator("#money-totals table.totals")).to_contain_text("JPY")
    expect(chip(page, "Payment frozen")).to_be_visible()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    for selector in ("#status-chips", "#money-totals"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
    screenshot("list-chips-phone-390")
    assert violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot("list-chips-laptop-1280")
    assert not console_errors


def test_without_javascript_counts_are_a_page_and_chips_are_links(browser, live_server):
    mix()
    make_user()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/customers?scope=all")
    page.get_by_role("link", name="Counts by status").click()
    expect(page.locator("main h1")).to_have_text("Customers by status")
    page.get_by_role("link", name=re.compile("^Blocked")).click()
    expect(page).to_have_url(re.compile(r"flt0_status_in=blocked$"))
    assert names(page) == ["Ann Blocked", "Cat Blocked"]
    page.get_by_role("link", name="Totals by currency").click()
    expect(page.locator("table.totals")).to_contain_text("10.25 USD")
    context.close()


def test_typing_a_search_recounts_the_chips(admin_page, live_server, console_errors):
    page = admin_page
    mix()
    page.goto(f"{live_server}/customers?scope=all")
    expect(chip(page, "Blocked")).to_contain_text("2")
    page.locator("#q").press_sequentially("cat", delay=30)
    expect(page.locator("#result-count")).to_contain_text("1 customer")
    expect(chip(page, "Blocked")).to_contain_text("1")
    expect(page.locator("#status-chips .chip")).to_have_count(1)  # only Cat's status
    expect(page.locator("#money-totals")).to_contain_text("4.00 EUR")
    assert not console_errors
