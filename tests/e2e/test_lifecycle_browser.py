"""Status changes in Chromium: inline in the list, and in the edit page's dialog."""
from datetime import date
from decimal import Decimal

from playwright.sync_api import expect

from data.models import Customer
from tests import factories


def test_inline_status_change_in_the_list(admin_page, live_server, console_errors, screenshot):
    page = admin_page
    c = factories.customer("Inline Target")
    factories.customer("Bystander")
    page.goto(f"{live_server}/customers")
    row = page.locator(f"#customer-{c.id}")
    row.get_by_role("link", name="Change the status of Inline Target").click()
    row.get_by_role("button", name="Block").click()
    expect(page.locator(f"#customer-{c.id} .badge")).to_have_text("Blocked")
    expect(page.locator("#flash")).to_contain_text("Block: done.")
    screenshot("list-inline-status-change")
    assert Customer.get_by_id(c.id).blocked
    page.locator(f"#customer-{c.id}").get_by_role("link", name="Change the status of Inline Target").click()
    page.locator(f"#customer-{c.id}").get_by_role("button", name="Unblock").click()
    expect(page.locator(f"#customer-{c.id} .badge")).to_have_count(0)
    assert not console_errors


def test_change_status_dialog_on_the_edit_page(admin_page, live_server, console_errors, screenshot):
    page = admin_page
    c = factories.customer("Overdue Ltd", suspended=True)
    factories.invoice(c, due_on=date(2026, 1, 1), amount=Decimal("20"))
    page.goto(f"{live_server}/customers/{c.id}")
    expect(page.locator("h1 .badge")).to_have_text("Suspended")
    page.get_by_text("Change status").click()
    page.get_by_label("Suspended").uncheck()
    page.locator("input[name=until]").fill("2099-12-31")
    page.locator("#status form:has(input[name=until])").get_by_role("button", name="Save").click()
    expect(page.locator("h1 .badge")).to_have_text("Suspension lifted")
    expect(page.locator("#history")).to_contain_text("lift suspension")
    screenshot("edit-page-after-lift")
    page.get_by_label("Payment", exact=True).fill("20")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("h1 .badge")).to_have_count(0)  # paid: active
    assert Customer.get_by_id(c.id).status == "active"
    assert not console_errors


def test_edit_form_shows_errors_inline_and_saves(admin_page, live_server, console_errors):
    page = admin_page
    c = factories.customer("Form Customer")
    page.goto(f"{live_server}/customers/{c.id}")
    page.get_by_label("Email", exact=True).fill("not-an-address")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#e-email")).to_contain_text("not an e-mail")
    page.get_by_label("Email", exact=True).fill("ok@example.org")
    page.get_by_label("City", exact=True).fill("Lisboa")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#customer-page [role=alert]").first).to_contain_text("Changes saved.")
    saved = Customer.get_by_id(c.id)
    assert (saved.email, saved.city) == ("ok@example.org", "Lisboa")
    assert not console_errors
