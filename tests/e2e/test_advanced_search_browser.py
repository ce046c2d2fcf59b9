"""Advanced search in Chromium: rows added and removed in place, results live."""
import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import names, settled


def test_condition_rows_in_place(admin_page, live_server, console_errors, screenshot):
    page = admin_page
    factories.customer("Eric Smith", email="eric@example.org", city="Boston")
    factories.customer("Erica Hammersmith", email="erica@example.com", city="Boston")
    factories.customer("Maverick", email="mav@example.org", city="Denver")
    factories.customer("Zoe", email="zoe@example.org", city="Boston")
    page.goto(f"{live_server}/customers?scope=all")
    page.get_by_role("link", name="Advanced search").click()
    expect(page.locator("#conditions .condition")).to_have_count(1)

    page.select_option("#cf0", "name")
    page.select_option("#co0", "contains")
    page.locator("#cv0").press_sequentially("eric", delay=20)
    expect(page.locator("#result-count")).to_contain_text("3 customers")  # Eric, Erica, Maverick

    page.get_by_role("button", name="Add a new search condition").click()
    expect(page.locator("#conditions .condition")).to_have_count(2)
    expect(page.locator("#cf1")).to_be_focused()
    page.select_option("#cf1", "email")
    # The row is drawn again for its new field; typing before that lands in the old box,
    # which the redraw replaces (the first field has 8 operators too, so count them after).
    expect(page.locator("input[name=ck1]")).to_have_value("email:value")
    expect(page.locator("#co1 option")).to_have_count(8)
    page.select_option("#co1", "ends_with")
    page.locator("#cv1").fill(".org")
    expect(page.locator("#result-count")).to_contain_text("2 customers")
    assert names(page) == ["Eric Smith", "Maverick"]
    expect(page).to_have_url(re.compile(r"flt0_name_contains=eric&flt1_email_ends_with=\.org"))

    page.get_by_role("button", name="Add a new search condition").click()
    page.select_option("#cf2", "balance")
    expect(page.locator("#co2 option")).to_have_text(["=", ">", "<"])
    screenshot("advanced-search-three-rows")

    page.get_by_role("button", name="Remove condition 1").click()
    expect(page.locator("#conditions .condition")).to_have_count(2)
    expect(page.locator("#result-count")).to_contain_text("3 customers")  # every .org address
    page.reload()
    expect(page.locator("#conditions .condition")).to_have_count(1)  # the incomplete balance row is not in the URL
    assert sorted(names(page)) == ["Eric Smith", "Maverick", "Zoe"]
    page.get_by_role("link", name="Back to simple search").click()
    expect(page.locator("#q")).to_be_visible()
    assert not console_errors


def test_short_substring_waits_for_search_button(admin_page, live_server, console_errors):
    page = admin_page
    factories.customer("Jo Public")
    factories.customer("Someone Else")
    page.goto(f"{live_server}/customers?scope=all")
    page.locator("#q").press_sequentially("jo", delay=20)
    expect(page.locator("#results")).to_contain_text("does not run as you type")
    settled(page)
    page.get_by_role("button", name="Search anyway").click()
    expect(page.locator("#result-count")).to_contain_text("1 customer")
    assert names(page) == ["Jo Public"]
    assert not console_errors


def test_leaving_the_search_box_does_not_ask_again_for_the_same_search(admin_page, live_server, console_errors):
    """static/js/no-repeat-search.js: the text box's "change", as the mouse goes down on a
    button or a link after typing, asked for the same search again. Its answer replaced the
    results between press and release, and the click was lost."""
    page = admin_page
    factories.customer("Jo Public")
    factories.customer("Someone Else")
    page.goto(f"{live_server}/customers?scope=all")
    searches = []
    page.on("request", lambda request: searches.append(request.url)
            if urlsplit(request.url).path == "/customers" and "q=" in request.url else None)
    page.locator("#q").press_sequentially("public", delay=20)
    expect(page.locator("#result-count")).to_contain_text("1 customer")
    settled(page)
    assert len(searches) == 1
    page.locator("#q").blur()
    page.wait_for_timeout(600)  # longer than the typing pause (350 ms) a search waits for
    assert len(searches) == 1
    # A real change still asks at once: a select, and text typed just before leaving the box.
    page.select_option("#scope-kind", "direct")
    expect(page).to_have_url(re.compile(r"q=public"))
    settled(page)
    assert len(searches) == 2
    page.locator("#q").fill("jo pub")
    page.locator("#q").blur()
    expect(page.locator("#result-count")).to_contain_text("1 customer")
    settled(page)
    assert "q=jo%20pub" in searches[-1]
    assert not console_errors
