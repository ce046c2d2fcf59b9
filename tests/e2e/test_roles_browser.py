"""Sign-in in Chromium: reseller staff see only their reseller's customers."""
from playwright.sync_api import expect

from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import sign_in_by_form


def test_reseller_staff_see_only_their_customers(page, live_server, console_errors, screenshot):
    mine = factories.reseller("Mine Resale")
    theirs = factories.reseller("Theirs Resale")
    factories.customer("Alma Mine", reseller=mine)
    factories.customer("Bruno Mine", reseller=mine)
    stranger = factories.customer("Zed Theirs", reseller=theirs)
    factories.customer("Quinn Direct")
    make_user("rita", "reseller_staff", mine)
    page.goto(f"{live_server}/customers")
    expect(page).to_have_url(f"{live_server}/sign-in?next=/customers?")
    sign_in_by_form(page, live_server, "rita")
    names = page.locator("#results tbody td.id-col a")
    expect(names).to_have_text(["Alma Mine", "Bruno Mine"])
    expect(page.locator("#scope-kind option")).to_have_text(["Customers of Mine Resale"])
    page.locator("#q").fill("zed")
    expect(page.locator("#result-count")).to_have_text("0 customers")
    screenshot("reseller-staff-list")
    assert "Zed Theirs" not in page.content()
    response = page.goto(f"{live_server}/customers/{stranger.id}")
    assert response.status == 404
    page.goto(f"{live_server}/customers")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/sign-in")
    assert not [e for e in console_errors if "404" not in e]
