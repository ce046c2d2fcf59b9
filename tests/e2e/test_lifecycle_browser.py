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


def test_terminating_from_the_row_menu_asks_and_cancel_puts_the_row_back(admin_page, live_server, console_errors,
                                                                         screenshot):
    page = admin_page
    c = factories.customer("Careful Ltd")
    page.goto(f"{live_server}/customers")
    row = page.locator(f"#customer-{c.id}")
    row.get_by_role("link", name="Change the status of Careful Ltd").click()
    screenshot("list-row-status-menu")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("list-row-status-menu-390")
    page.set_viewport_size({"width": 1280, "height": 720})
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.dismiss()  # "No": nothing may change

    page.once("dialog", answer)
    row.get_by_role("button", name="Terminate permanently").click()
    expect(row.get_by_role("button", name="Cancel")).to_be_visible()
    assert asked and asked[0].startswith("Terminate permanently “Careful Ltd”?") and "cannot be undone" in asked[0]
    assert Customer.get_by_id(c.id).status == "active"
    row.get_by_role("button", name="Cancel").click()
    expect(row.get_by_role("button", name="Cancel")).to_have_count(0)
    expect(row.get_by_role("link", name="Change the status of Careful Ltd")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("link", name="Change the status of Careful Ltd").click()
    row.get_by_role("button", name="Terminate provisionally").click()
    expect(row.locator(".badge")).to_have_text("Provisionally terminated")
    assert not console_errors


def test_terminating_on_the_edit_page_is_a_second_step(admin_page, live_server, console_errors, screenshot):
    page = admin_page
    c = factories.customer("Second Step")
    page.goto(f"{live_server}/customers/{c.id}")
    page.get_by_text("Change status").click()
    page.get_by_text("Terminate permanently…").click()
    confirm = page.get_by_role("button", name="Yes, terminate permanently “Second Step”")
    expect(confirm).to_be_visible()
    screenshot("edit-page-terminate-step")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("edit-page-terminate-step-390")
    assert Customer.get_by_id(c.id).status == "active"  # opening the step changed nothing
    confirm.click()
    expect(page.locator("h1 .badge")).to_have_text("Permanently terminated")
    expect(page.locator("#status")).not_to_contain_text("restore")
    assert not console_errors


def test_a_row_without_delete_says_why(admin_page, live_server, console_errors, screenshot):
    page = admin_page
    busy = factories.customer("Busy Line")
    factories.xdr(busy)
    factories.customer("Free Line")
    page.goto(f"{live_server}/customers")
    blocked = page.get_by_role("link", name="Busy Line cannot be deleted: it has xDRs")
    expect(blocked).to_have_attribute("title", "Cannot be deleted: it has xDRs")
    screenshot("list-delete-reasons")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("list-delete-reasons-390")
    blocked.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customer “Busy Line” cannot be deleted")
    expect(page.locator("ul.reasons")).to_have_text("it has xDRs")
    assert not console_errors


def test_reseller_suggestions_on_the_edit_form(admin_page, live_server, console_errors):
    page = admin_page
    factories.reseller("Acme Telecom")
    factories.reseller("Other Reseller")
    c = factories.customer("Suggested")
    page.goto(f"{live_server}/customers/{c.id}")
    page.get_by_label("Reseller", exact=True).fill("acm")
    expect(page.locator("#reseller-names option")).to_have_count(1)
    expect(page.locator("#reseller-names option")).to_have_attribute("value", "Acme Telecom")
    assert not console_errors
