"""The activity log in Chromium (issue 14): a change made on the web shows up with its
source, the filters answer live, the page links work, axe finds nothing, it works
without JavaScript and on a phone, and reseller staff see only their own."""
import re
from datetime import datetime, timedelta

from playwright.sync_api import expect

from data.records import History
from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import ARTIFACTS, sign_in, violations


def _rows(page):
    return page.locator("#activity-results tbody tr")


# What the browser logs on purpose (as tests/e2e/conftest.py's console_errors allows):
# a filter change replacing the one before it, and the 422 of a bad date.
EXPECTED = ("htmx:sendAbort", "htmx:afterRequest", "Failed to load resource: the server responded with a status of 422")


def _screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    # caret="initial": hiding the caret injects a <style> that the CSP (rightly) blocks.
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, caret="initial")


def test_a_web_change_is_in_the_log_and_the_filters_answer_live(axe_page, live_server):
    page = axe_page
    console_errors = []
    page.on("console",
            lambda m: m.type == "error" and not m.text.startswith(EXPECTED) and console_errors.append(m.text))
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    make_user()
    c = factories.customer("Logged Lena")
    for n in range(60):
        History.create(customer_id=c.id, customer_name="Logged Lena", at=datetime(2026, 1, 1) + timedelta(minutes=n),
                       actor="maintenance", action="renew_spending", source="maintenance", field="spent_today",
                       old_value=str(n), new_value="0")
    sign_in(page, live_server)
    page.goto(f"{live_server}/customers/{c.id}")
    page.get_by_label("City", exact=True).fill("Lisboa")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#customer-page [role=alert]").first).to_contain_text("Changes saved.")

    page.get_by_role("link", name="Activity").click()
    expect(page.locator("main h1")).to_have_text("Activity log")
    first = _rows(page).first
    expect(first).to_contain_text("admin")
    expect(first.locator("td").nth(2)).to_have_text("Web")
    expect(first).to_contain_text("Lisboa")
    assert violations(page) == []

    page.get_by_label("User").select_option("admin")
    expect(page).to_have_url(re.compile(r"/activity\?user=admin$"))
    expect(_rows(page)).to_have_count(1)
    page.get_by_label("User").select_option("")
    page.get_by_label("From where").select_option("maintenance")
    # The unfiltered log says "The newest 50 entries" too: wait for the filtered answer
    # (its URL is pushed when it is swapped in), or the click below races it.
    expect(page).to_have_url(re.compile(r"source=maintenance"))
    expect(page.locator("#activity-results [role=status]")).to_have_text("The newest 50 entries")
    page.get_by_role("link", name="Older entries").click()
    expect(page.locator("#activity-results [role=status]")).to_have_text("10 older entries")
    expect(_rows(page).last).to_contain_text("2026-01-01 00:00:00")
    _screenshot(page, "activity-log")
    assert violations(page) == []

    page.goto(f"{live_server}/activity?from=2026-02-30")
    expect(page.locator("#activity-results [role=alert]")).to_contain_text("is not a date")
    assert violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/activity")
    assert violations(page) == []
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    _screenshot(page, "activity-log-phone")
    assert not console_errors


def test_the_log_works_without_javascript(browser, live_server):
    factories.customer("Plain Paula")
    History.create(customer_id=1, customer_name="Plain Paula", actor="bob", action="block", source="command")
    History.create(customer_id=2, customer_name="Other Otto", actor="alice", action="edit", source="web")
    make_user()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/activity")
    page.get_by_label("Customer (id or part of the name)").fill("paula")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"customer=paula"))
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text("Command")
    context.close()


def test_reseller_staff_see_only_their_customers_entries(page, live_server):
    mine, theirs = factories.reseller("Mine Resale"), factories.reseller("Theirs Resale")
    History.create(customer_id=1, customer_name="Alma Mine", actor="op", action="edit", source="web",
                   reseller_id=mine.id)
    History.create(customer_id=2, customer_name="Zed Theirs", actor="op", action="edit", source="web",
                   reseller_id=theirs.id)
    make_user("rita", "reseller_staff", mine)
    sign_in(page, live_server, "rita")
    page.get_by_role("link", name="Activity").click()
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text("Alma Mine")
    assert "Zed Theirs" not in page.content()
