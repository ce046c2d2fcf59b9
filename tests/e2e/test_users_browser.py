"""Users, My account and two-factor sign-in in Chromium, with axe-core on every page."""
import time

import pyotp
from playwright.sync_api import expect

from tests import factories
from tests.conftest import TEST_PASSWORD, make_user
from tests.e2e.conftest import sign_in, violations


def sign_out(page):
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url("**/sign-in")


def test_users_and_account_pages_have_no_axe_violations(axe_page, live_server):
    page = axe_page
    make_user()
    acme = factories.reseller("Acme Reseller")
    rosa = make_user("rosa", "reseller_staff", acme)
    sign_in(page, live_server)
    found = {}
    for name, url in [("users", "/users"), ("new user", "/users/new"), ("a user", f"/users/{rosa.id}"),
                      ("my account", "/account"), ("two-factor set-up", "/account/two-factor")]:
        page.goto(live_server + url)
        expect(page.locator("main h1")).to_be_visible()
        found[name] = violations(page)
    page.goto(f"{live_server}/users/new")
    page.get_by_role("button", name="Create user").click()  # nothing filled in: the 422 page
    expect(page.locator("#e-name")).to_be_visible()
    found["new user, errors"] = violations(page)
    page.set_viewport_size({"width": 390, "height": 844})
    for name, url in [("users on a phone", "/users"), ("my account on a phone", "/account")]:
        page.goto(live_server + url)
        found[name] = violations(page)
    assert {name: v for name, v in found.items() if v} == {}


def test_an_administrator_creates_a_user_who_then_chooses_a_password(admin_page, live_server):
    page = admin_page
    factories.reseller("Acme Reseller")
    page.get_by_role("link", name="Users").click()
    page.get_by_role("button", name="New user").click()  # a link that looks like a button
    page.get_by_label("User name").fill("rosa")
    page.get_by_label("Role").select_option("reseller_staff")
    factories.distributor("Acme Distribution")
    page.get_by_label("Reseller or distributor").fill("acme")
    # The field's list offers the resellers (the role's kind) containing what was typed.
    expect(page.locator("#owner-names option")).to_have_count(1)
    expect(page.locator("#owner-names option")).to_have_attribute("value", "Acme Reseller")
    page.get_by_label("Reseller or distributor").fill("Acme Reseller")  # what picking it enters
    page.get_by_label("First password").press("Enter")  # keyboard: Enter submits
    expect(page.locator("main h1")).to_have_text("User “rosa” created")
    password = page.locator("#one-time-password").inner_text()
    sign_out(page)

    page.get_by_label("User name").fill("rosa")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")
    expect(page.get_by_text("Choose your own password to continue")).to_be_visible()
    page.get_by_label("Current password").fill(password)
    page.locator("#f-new_password").fill("rosa's own password")  # its label, "New password *", starts the next
    page.get_by_label("New password again").fill("rosa's own password")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#flash")).to_contain_text("Your password was changed")
    page.get_by_role("link", name="Customer Management").click()
    page.wait_for_url("**/customers")


def test_enrol_two_factor_sign_in_and_sign_in_with_a_code(axe_page, live_server):
    page = axe_page
    make_user()
    sign_in(page, live_server)
    page.get_by_role("link", name="admin").click()
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("img", name="QR code for adding admin")).to_be_visible()
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label("Enter the 6-digit code the app shows").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator("main h1")).to_have_text("Your recovery codes")
    expect(page.locator("ol.recovery-codes li")).to_have_count(10)
    assert violations(page) == []
    page.get_by_role("button", name="I have saved them").click()
    expect(page.locator("#two-factor")).to_contain_text("10 of 10 recovery codes left")
    sign_out(page)

    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/sign-in/code")
    assert violations(page) == []
    page.get_by_label("Code").fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong or already used code")
    # The enrolment used the current step's code: the next step's is the fresh one.
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/customers")
    expect(page.locator("main h1")).to_be_visible()
