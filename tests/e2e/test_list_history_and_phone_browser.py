"""The list page in Chromium: Back/Forward, history entries, condition rows, phones (issue 11 #16-19)."""
import re
from decimal import Decimal

from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import names, press_back


def people():
    factories.customer("Anna Smith", balance=Decimal("900"))
    factories.customer("Bob Smithers", balance=Decimal("10"))
    factories.customer("Carla Garcia", blocked=True)
    factories.customer("Dan Other")


def history_length(page):
    return page.evaluate("() => history.length")


def test_back_and_forward_show_the_search_that_was_typed(admin_page, live_server, console_errors, screenshot):
    """Type "smith", then "garcia", Back: the box and the results both say "smith"."""
    page = admin_page
    people()
    page.goto(f"{live_server}/customers")
    expect(page.locator("#result-count")).to_contain_text("4 customers")
    start = history_length(page)
    page.locator("#q").press_sequentially("smith", delay=30)
    expect(page.locator("#result-count")).to_contain_text("2 customers")
    page.wait_for_timeout(1600)  # the admin reads the results: that search is settled
    page.locator("#q").fill("garcia")
    expect(page.locator("#result-count")).to_contain_text("1 customer")
    assert names(page) == ["Carla Garcia"]
    assert history_length(page) == start + 2

    press_back(page)
    expect(page).to_have_url(re.compile(r"\?q=smith$"))
    expect(page.locator("#q")).to_have_value("smith")
    expect(page.locator("#result-count")).to_contain_text("2 customers")
    assert names(page) == ["Anna Smith", "Bob Smithers"]
    screenshot("list-back-to-smith")
    # The next change searches from what the box shows, the filter is not lost.
    page.select_option("#per-page", "25")
    expect(page).to_have_url(re.compile(r"q=smith&per_page=25"))
    assert names(page) == ["Anna Smith", "Bob Smithers"]
    press_back(page)
    expect(page).to_have_url(re.compile(r"\?q=smith$"))
    press_back(page, forward=True)
    expect(page).to_have_url(re.compile(r"q=smith&per_page=25"))
    expect(page.locator("#q")).to_have_value("smith")
    press_back(page)
    expect(page).to_have_url(re.compile(r"\?q=smith$"))
    press_back(page)
    expect(page).to_have_url(re.compile(r"/customers$"))
    expect(page.locator("#q")).to_have_value("")
    expect(page.locator("#result-count")).to_contain_text("4 customers")
    assert not console_errors


def test_one_history_entry_per_settled_search(admin_page, live_server, console_errors):
    """Pauses while typing ask the server each time, but only the search that settles is an entry."""
    page = admin_page
    people()
    page.goto(f"{live_server}/customers")
    start = history_length(page)
    for letter in "smith":  # slower than the search delay: a request after each letter
        page.locator("#q").press(letter)
        page.wait_for_timeout(450)
    expect(page.locator("#result-count")).to_contain_text("2 customers")
    expect(page).to_have_url(re.compile(r"\?q=smith$"))
    assert history_length(page) == start + 1
    page.locator("#q").press("Enter")  # the same search again adds nothing
    page.locator("#per-page").focus()  # nor does leaving the box (its change event)
    page.wait_for_timeout(500)
    assert history_length(page) == start + 1
    press_back(page)
    expect(page).to_have_url(re.compile(r"/customers$"))
    expect(page.locator("#q")).to_have_value("")
    expect(page.locator("#result-count")).to_contain_text("4 customers")
    assert not console_errors


def test_changing_the_field_redraws_the_row(admin_page, live_server, console_errors, screenshot):
    """Issue 11 #16: balance > 500 then field Status gave a 400 and the list disappeared."""
    page = admin_page
    people()
    page.goto(f"{live_server}/customers?scope=all&flt0_balance_gt=500")
    expect(page.locator("#result-count")).to_contain_text("1 customer")
    page.select_option("#cf0", "status")
    expect(page.locator("#co0 option")).to_have_text(["Is", "Is not", "Is any of"])
    expect(page.locator("select#cv0")).to_have_value("")
    expect(page.locator("#results table")).to_be_visible()
    expect(page.locator("#result-count")).to_contain_text("4 customers")
    page.select_option("#cv0", "blocked")
    expect(page.locator("#result-count")).to_contain_text("1 customer")
    assert names(page) == ["Carla Garcia"]
    page.select_option("#cf0", "name")  # status -> text: "is" still fits, "blocked" is a fine name
    expect(page.locator("input#cv0")).to_have_value("blocked")
    expect(page.locator("#co0")).to_have_value("is")
    page.select_option("#cf0", "balance")  # text -> money: "blocked" is no amount
    expect(page.locator("input#cv0")).to_have_value("")
    expect(page.locator("#co0")).to_have_value("eq")
    screenshot("advanced-field-changed")
    assert not console_errors


def test_switching_to_and_from_is_empty(admin_page, live_server, console_errors):
    """Issue 11 #17: no stale value box; no missing box that silently drops the condition."""
    page = admin_page
    factories.customer("Faxed", fax="+15550100")
    factories.customer("No Fax")
    page.goto(f"{live_server}/customers?scope=all&flt0_fax_contains=555")
    expect(page.locator("#result-count")).to_contain_text("1 customer")
    page.select_option("#co0", "is_empty")
    expect(page.locator("#cv0")).to_have_count(0)
    expect(page.locator("#condition-0")).to_contain_text("no value needed")
    expect(page.locator("#result-count")).to_contain_text("1 customer")
    assert names(page) == ["No Fax"]
    page.select_option("#co0", "contains")
    expect(page.locator("input#cv0")).to_be_visible()
    expect(page.locator("input#cv0")).to_be_focused()
    page.keyboard.type("0100")
    expect(page).to_have_url(re.compile(r"flt0_fax_contains=0100"))
    assert names(page) == ["Faxed"]
    assert not console_errors


def test_the_list_fits_a_phone(admin_page, live_server, console_errors, screenshot):
    """Issue 11 #19: at 390 pixels nothing scrolls sideways, Sign out is on screen, rows wrap."""
    page = admin_page
    page.set_viewport_size({"width": 390, "height": 844})
    factories.customer("Acme Holdings International GmbH & Co. KG 3440",
                       email="a.very.long.address@subsidiary.example.org", balance=Decimal("98765.43"),
                       credit_limit=Decimal("1000000"), payment_frozen=True)
    people()
    page.goto(f"{live_server}/customers?scope=all&flt0_name_contains=a&flt1_balance_gt=5")
    expect(page.locator("#results tbody tr")).to_have_count(2)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    box = page.get_by_role("button", name="Sign out").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    for selector in ("#condition-0", "#condition-1", "#results tbody tr >> nth=0"):
        row = page.locator(selector).bounding_box()
        assert row["x"] >= 0 and row["x"] + row["width"] <= 390, selector
    # Each customer reads as a card: the labels of the columns are shown beside the values.
    balance = page.locator("#results tbody tr").first.locator("td[data-label=Balance]")
    expect(balance).to_be_visible()
    assert balance.bounding_box()["width"] > 300  # a line of the card, not a narrow column
    label = balance.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Balance"'
    screenshot("list-phone-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot("list-laptop-1280")
    assert not console_errors
