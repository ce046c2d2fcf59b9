"""The main flows of the customer list, in Chromium."""
import re
from decimal import Decimal

from playwright.sync_api import expect

from data.models import Customer
from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import names, press_back, sign_in


def test_live_search_changes_rows_as_you_type(admin_page, live_server, console_errors, screenshot):
    page = admin_page
    factories.customer("Eric Smith", email="eric@example.org")
    factories.customer("Erica Hammersmith")
    factories.customer("Jürgen Müller", city="München")
    factories.customer("Zoë Adams", blocked=True)
    page.goto(f"{live_server}/customers")
    expect(page.locator("#result-count")).to_contain_text("4 customers")
    page.locator("#q").press_sequentially("MÜLL", delay=30)  # no Enter: search as you type
    expect(page.locator("#result-count")).to_contain_text("1 customer")
    assert names(page) == ["Jürgen Müller"]
    expect(page).to_have_url(re.compile(r"/customers\?q=M%C3%9CLL$"))
    screenshot("list-search-muller")
    page.wait_for_timeout(1600)  # a settled search: the next one gets a history entry of its own
    page.locator("#q").fill("eric")
    expect(page.locator("#result-count")).to_contain_text("2 customers")
    assert names(page) == ["Eric Smith", "Erica Hammersmith"]
    press_back(page)
    expect(page).to_have_url(re.compile(r"q=M%C3%9CLL$"))
    expect(page.locator("#result-count")).to_contain_text("1 customer")
    expect(page.locator("#q")).to_have_value("MÜLL")  # the box matches the results
    assert not console_errors


def test_delete_a_deletable_customer_in_place(admin_page, live_server, console_errors, screenshot):
    page = admin_page
    doomed = factories.customer("Doomed Ltd")
    factories.customer("Keeper Inc")
    page.goto(f"{live_server}/customers")
    screenshot("list-before-delete")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("link", name="Delete Doomed Ltd").click()
    expect(page.locator(f"#customer-{doomed.id}")).to_have_count(0)
    expect(page.locator("#result-count")).to_have_text("1 customer")
    expect(page.locator("#flash")).to_contain_text("Customer “Doomed Ltd” was deleted.")
    assert not Customer.select().where(Customer.id == doomed.id).exists()
    assert names(page) == ["Keeper Inc"]
    assert not console_errors


def test_no_delete_icon_for_a_customer_with_xdrs(admin_page, live_server):
    page = admin_page
    busy = factories.customer("Busy Caller")
    factories.xdr(busy)
    factories.customer("Quiet One")
    page.goto(f"{live_server}/customers")
    expect(page.get_by_role("link", name="Delete Quiet One")).to_be_visible()
    expect(page.get_by_role("link", name="Delete Busy Caller")).to_have_count(0)
    expect(page.locator(f"#customer-{busy.id} a.delete")).to_have_count(0)


def test_cancelled_delete_keeps_the_row(admin_page, live_server):
    page = admin_page
    kept = factories.customer("Second Thoughts")
    page.goto(f"{live_server}/customers")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("link", name="Delete Second Thoughts").click()
    expect(page.locator(f"#customer-{kept.id}")).to_be_visible()
    assert Customer.select().where(Customer.id == kept.id).exists()


def test_scope_sort_and_pages_are_urls(admin_page, live_server, console_errors, screenshot):
    page = admin_page
    r = factories.reseller("Acme Reseller")
    for n in range(30):
        factories.customer(f"Sub {n:02d}", reseller=r, balance=str(n))
    factories.customer("Direct One")
    page.goto(f"{live_server}/customers")
    page.select_option("#scope-kind", "reseller")
    expect(page.locator("#owner")).to_be_visible()
    page.locator("#owner").fill("Acme Reseller")
    page.locator("#owner").press("Enter")
    expect(page.locator("#result-count")).to_contain_text("30 customers")
    expect(page).to_have_url(re.compile(r"scope=reseller:Acme(\+|%20)Reseller"))
    sort_by_balance = page.locator("thead").get_by_role("link", name="Balance", exact=True)
    sort_by_balance.click()
    expect(page.locator("thead th[aria-sort='ascending']")).to_contain_text("Balance")
    sort_by_balance.click()  # again: descending
    expect(page.locator("thead th[aria-sort='descending']")).to_contain_text("Balance")
    expect(page.locator("#results tbody tr").first).to_contain_text("Sub 29")
    page.select_option("#per-page", "25")
    expect(page.locator("#results .pager")).to_contain_text("Page 1 of 2")
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("#results .pager")).to_contain_text("Page 2 of 2")
    screenshot("list-reseller-scope-page-2")
    url = page.url
    assert "sort=-balance" in url and "page=2" in url and "per_page=25" in url
    page.reload()  # the URL alone rebuilds the same state
    expect(page.locator("#results .pager")).to_contain_text("Page 2 of 2")
    assert names(page) == [f"Sub {n:02d}" for n in range(4, -1, -1)]
    assert not console_errors


def test_works_without_javascript(browser, live_server):
    factories.customer("Plain Html")
    factories.customer("Other")
    make_user()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server)
    page.locator("#q").fill("plain")
    page.locator("#q").press("Enter")
    expect(page).to_have_url(re.compile(r"q=plain"))
    assert names(page) == ["Plain Html"]
    page.get_by_role("link", name="Delete Plain Html").click()
    page.get_by_role("button", name="Delete customer").click()
    expect(page.locator("#flash")).to_contain_text("was deleted")
    context.close()


def test_the_table_fits_a_laptop_screen(admin_page, live_server):
    """Every column visible at 1280 pixels: long names, emails and status badges do not push
    the table into a horizontal scroll (two-word headers wrap, long emails are cut)."""
    page = admin_page
    page.set_viewport_size({"width": 1280, "height": 800})
    factories.customer("Acme Holdings International GmbH & Co. KG 3440",
                       email="a.very.long.address@subsidiary.example.org",
                       available_funds=Decimal("123456.78"), balance_control="prepaid",
                       daily_spending_limit=Decimal("10"), spent_today=Decimal("10"))
    factories.customer("Payment Frozen Ltd", payment_frozen=True, balance=Decimal("98765.43"),
                       credit_limit=Decimal("1000000"))
    page.goto(f"{live_server}/customers")
    expect(page.locator("#results tbody tr")).to_have_count(2)
    scroll, visible = page.evaluate("() => { const t = document.querySelector('.table-wrap');"
                                    " return [t.scrollWidth, t.clientWidth]; }")
    assert scroll <= visible


def test_next_and_previous_start_from_the_rows_beside_them(admin_page, live_server, console_errors):
    """views/list_position.py: Next and Previous carry the edge rows' sort keys; the pages
    are those of their numbers, and the address (with the position) reloads the same page."""
    page = admin_page
    for n in range(60):
        factories.customer(f"Paged {n:02d}")
    page.goto(f"{live_server}/customers?per_page=25")
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("#results .pager")).to_contain_text("Page 2 of 3")
    assert "after=" in page.url
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("#results .pager")).to_contain_text("Page 3 of 3")
    assert names(page) == [f"Paged {n:02d}" for n in range(50, 60)]
    page.get_by_role("link", name="Previous page").click()
    expect(page.locator("#results .pager")).to_contain_text("Page 2 of 3")
    assert "before=" in page.url
    assert names(page) == [f"Paged {n:02d}" for n in range(25, 50)]
    page.reload()
    expect(page.locator("#results .pager")).to_contain_text("Page 2 of 3")
    assert names(page) == [f"Paged {n:02d}" for n in range(25, 50)]
    page.go_back()
    expect(page.locator("#results .pager")).to_contain_text("Page 3 of 3")
    assert not console_errors
