"""axe-core over the pages of issue 11 #21, #23, #24 in the states people reach them in:
the edit page with its status dialog and a termination step open, terminated and frozen
customers, the new-customer form after an error, both delete pages, xDRs and accounts
(with rows, empty, after a bad date), and a list row with its status menu open."""
from datetime import datetime
from decimal import Decimal

from playwright.sync_api import expect

from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import sign_in, violations


def test_lifecycle_pages_have_no_axe_violations(axe_page, live_server):
    page = axe_page
    make_user()
    reseller = factories.reseller("Acme Reseller")
    busy = factories.customer("Busy Line", reseller=reseller, payment_frozen=True, failed_payments=3,
                              suspended=True, credit_limit=Decimal("50"))
    factories.xdr(busy, account=factories.account(busy), when=datetime(2026, 11, 1, 10, 0))
    factories.invoice(busy)
    free = factories.customer("Free Line")
    closed = factories.customer("Closed Line", terminated_at=datetime(2026, 1, 2),
                                provisionally_terminated_at=datetime(2026, 1, 1))
    sign_in(page, live_server)

    def check(name):
        expect(page.locator("main h1")).to_be_visible()
        pages[name] = violations(page)

    pages = {}
    page.goto(f"{live_server}/customers/{free.id}")
    page.get_by_text("Change status").click()
    page.get_by_text("Terminate permanently…").click()
    check("edit page, termination step open")
    for name, url in [
        ("edit page, suspended and frozen", f"/customers/{busy.id}"),
        ("edit page, terminated", f"/customers/{closed.id}"),
        ("delete page", f"/customers/{free.id}/delete"),
        ("delete page, refused", f"/customers/{busy.id}/delete"),
        ("xDRs, none", f"/customers/{free.id}/xdrs"),
        ("xDRs, bad date", f"/customers/{busy.id}/xdrs?from=nope"),
        ("accounts", f"/customers/{busy.id}/accounts"),
        ("accounts, none", f"/customers/{free.id}/accounts"),
    ]:
        page.goto(live_server + url)
        check(name)
    page.goto(f"{live_server}/customers/new")
    page.get_by_role("button", name="Create customer").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    check("new customer, after an error")
    page.goto(f"{live_server}/customers?scope=all")
    page.get_by_role("link", name="Change the status of Free Line").click()
    expect(page.get_by_role("button", name="Cancel")).to_be_visible()
    check("list, status menu open")
    assert {name: found for name, found in pages.items() if found} == {}
