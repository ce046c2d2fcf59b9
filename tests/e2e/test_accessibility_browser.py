"""axe-core over the main pages, as shipped (issue 11 #24).

axe-core 4.14.1 from npm is vendored for the tests only (tests/e2e/vendor/, MPL-2.0),
never served by the app. It is injected as an init script: Playwright adds those
outside the page, so the app's Content-Security-Policy (no inline scripts) stays
in force while the pages are checked.
"""
from decimal import Decimal

from playwright.sync_api import expect

from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import sign_in, violations


def test_main_pages_have_no_axe_violations(axe_page, live_server):
    page = axe_page
    make_user()
    reseller = factories.reseller("Acme Reseller")
    customer = factories.customer("Anna Smith", reseller=reseller, email="anna@example.org",
                                  balance=Decimal("12.50"), credit_limit=Decimal("100"), fax="+1555")
    factories.customer("Blocked Bob", blocked=True, balance_control="prepaid", available_funds=Decimal("3"))
    factories.xdr(customer, account=factories.account(customer))

    pages = {}
    page.goto(f"{live_server}/sign-in")
    pages["sign-in"] = violations(page)
    sign_in(page, live_server)
    for name, url in [
        ("list", "/customers?scope=all"),
        ("list, advanced search",
         "/customers?scope=all&flt0_name_contains=a&flt1_status_is=blocked&flt2_fax_is_empty="),
        ("list, nothing found", "/customers?scope=all&q=nobody"),
        ("edit page", f"/customers/{customer.id}"),
        ("new customer", "/customers/new"),
        ("xDRs", f"/customers/{customer.id}/xdrs"),
    ]:
        page.goto(live_server + url)
        expect(page.locator("main h1")).to_be_visible()
        pages[name] = violations(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/customers?scope=all")
    pages["list on a phone"] = violations(page)
    assert {name: found for name, found in pages.items() if found} == {}


def test_axe_sees_a_violation(axe_page, live_server):
    """The check itself works: a page with text too pale to read fails it."""
    page = axe_page
    make_user()
    page.goto(f"{live_server}/sign-in")
    page.evaluate("() => { document.querySelector('h1').style.color = '#c2c8d0'; }")
    assert any(line.startswith("color-contrast") for line in violations(page))


def contrast(rgb, background=(255, 255, 255)):
    def luminance(colour):
        channels = [c / 255 for c in colour]
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    high, low = sorted((luminance(rgb), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_faded_row_icons_stay_visible(admin_page, live_server):
    """Icons need 3:1 (WCAG 1.4.11), which axe does not check: "no accounts" and the status pencil."""
    page = admin_page
    factories.customer("Lonely")
    page.goto(f"{live_server}/customers")
    for selector in ("a.no-accounts", "a.row-status-link"):
        colour = page.locator(selector).first.evaluate("a => getComputedStyle(a).color")
        rgb = tuple(int(part) for part in colour[colour.index("(") + 1:-1].split(",")[:3])
        assert contrast(rgb) >= 3, (selector, colour)
