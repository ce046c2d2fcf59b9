"""Customer classes and subscriptions in Chromium (issue 14): create a class with a fee,
edit it, follow its customer count to the filtered list, retire it; add and end a
subscription on a customer's page; axe-core over every page in the states people reach."""
from datetime import date
from decimal import Decimal

from playwright.sync_api import expect

from data import classes
from data.models import CustomerClass
from data.records import Subscription
from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import sign_in, violations


def test_create_edit_and_retire_a_class(admin_page, live_server, console_errors, screenshot):
    page = admin_page
    page.get_by_role("link", name="Classes").click()
    page.get_by_role("button", name="New class").click()
    page.get_by_label("Name").fill("Gold")
    page.get_by_label("Grace days before suspension").fill("-3")
    page.get_by_label("Currency of fee 1").select_option("EUR")
    page.get_by_label("Amount of fee 1").fill("4.00")
    page.get_by_role("button", name="Create class").click()
    expect(page.locator("#e-grace_days")).to_contain_text("not a whole number")
    expect(page.get_by_label("Amount of fee 1")).to_have_value("4.00")  # nothing typed is lost
    page.get_by_label("Grace days before suspension").fill("5")
    page.get_by_role("button", name="Create class").click()
    expect(page.locator("h1")).to_have_text("Class Gold")
    cls = CustomerClass.get(CustomerClass.name == "Gold")
    for n in range(2):
        factories.customer(f"Gold {n}", currency="EUR", customer_class=cls)
    page.reload()
    expect(page.locator("#next-run")).to_contain_text("Next run: 2 customers, maintenance fee 4.00 EUR")
    page.get_by_label("Amount of fee 1").fill("4.50")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#class-page [role=alert]").first).to_contain_text("Changes saved.")
    expect(page.locator("#next-run")).to_contain_text("maintenance fee 4.50 EUR")
    expect(page.locator("#history")).to_contain_text("4.5 EUR")
    screenshot("class-page")
    page.get_by_role("button", name="Retire class").click()
    expect(page.locator("h1 .badge")).to_have_text("retired")
    page.get_by_role("link", name="Back to the customer classes").click()
    page.get_by_role("link", name="2 customers in class Gold").click()
    expect(page.locator("#result-count")).to_contain_text("2 customers")
    assert classes.fees(cls.id) == {"EUR": Decimal("4.5")}
    assert not console_errors


def test_add_and_end_a_subscription(admin_page, live_server, console_errors, screenshot):
    page = admin_page
    cls = factories.customer_class("Biz", fees={"USD": "2"})
    c = factories.customer("Subscriber", customer_class=cls)
    page.goto(f"{live_server}/customers/{c.id}")
    expect(page.locator("#subscriptions")).to_contain_text("Maintenance fee: Biz: 2.00 USD")
    form = page.locator("form.subscription-form")
    form.get_by_label("Name").fill("Data 20 GB")
    form.get_by_label("Monthly fee (USD)").fill("oops")
    form.get_by_role("button", name="Add subscription").click()
    expect(page.locator("#se-fee")).to_contain_text("is not an amount")
    page.locator("form.subscription-form").get_by_label("Monthly fee (USD)").fill("15")
    page.locator("form.subscription-form").get_by_role("button", name="Add subscription").click()
    expect(page.locator("#customer-page [role=alert]").first).to_contain_text("Subscription added.")
    expect(page.locator("#subscriptions")).to_contain_text("Subscription: Data 20 GB: 15.00 USD")
    screenshot("customer-subscriptions")
    page.get_by_text("End…").click()
    page.get_by_role("button", name="End “Data 20 GB”").click()
    expect(page.locator("#customer-page [role=alert]").first).to_contain_text("Subscription ended.")
    expect(page.locator("#history")).to_contain_text("end subscription")
    assert Subscription.get().ended_on is not None
    assert not console_errors


def test_class_and_subscription_pages_have_no_axe_violations(axe_page, live_server):
    page = axe_page
    make_user()
    gold = factories.customer_class("Gold", fees={"EUR": "4", "USD": "4.5"})
    old = factories.customer_class("Old")
    classes.retire(old.id, "alice")
    c = factories.customer("Member", customer_class=gold)
    Subscription.create(customer=c.id, name="Plan", fee=Decimal("5"),
                        started_on=date(2026, 1, 1))
    sign_in(page, live_server)
    found = {}

    def check(name):
        expect(page.locator("main h1")).to_be_visible()
        found[name] = violations(page)

    for name, url in [("classes", "/classes"), ("class", f"/classes/{gold.id}"),
                      ("retired class", f"/classes/{old.id}"), ("new class", "/classes/new"),
                      ("customer with subscriptions", f"/customers/{c.id}")]:
        page.goto(live_server + url)
        check(name)
    page.goto(f"{live_server}/classes/new")
    page.get_by_role("button", name="Create class").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    check("new class, after an error")
    page.goto(f"{live_server}/customers/{c.id}")
    page.locator("form.subscription-form").get_by_role("button", name="Add subscription").click()
    expect(page.locator("#se-name")).to_be_visible()
    page.get_by_text("End…").click()
    check("customer, subscription errors and the end step open")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/classes/{gold.id}")
    check("class page on a phone")
    assert {name: v for name, v in found.items() if v} == {}
