"""Bulk actions in Chromium (issue 13): tick rows, "select all on this page", preview,
run, the result; a running job's progress bar follows the job and Cancel stops it."""
from playwright.sync_api import expect

from data import clock
from data.access import Viewer
from data.bulk_jobs import create
from data.bulk_records import BulkJob
from data.models import Customer
from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import sign_in, violations


def test_tick_preview_and_run_a_block(admin_page, live_server, console_errors, screenshot):
    page = admin_page
    for n in range(3):
        factories.customer(f"Bulk {n}")
    factories.customer("Bulk Blocked", blocked=True)
    page.goto(f"{live_server}/customers")
    page.get_by_label("Select all on this page").check()
    expect(page.locator("#bulk-form .ticked-count")).to_have_text("(4)")
    page.get_by_label("Select Bulk 0").uncheck()
    expect(page.locator("#bulk-form .ticked-count")).to_have_text("(3)")
    expect(page.get_by_label("Select all on this page")).to_have_js_property("indeterminate", True)
    page.locator("#bulk-form select[name=action]").select_option("block")
    screenshot("bulk-bar")
    page.get_by_role("button", name="Preview…").click()
    expect(page.locator("#bulk-summary")).to_have_text("Block 3 customers")
    expect(page.locator(".bulk-counts")).to_contain_text("2 will change; 1 will be skipped: already blocked 1")
    screenshot("bulk-preview")
    page.get_by_role("button", name="Block 2 customers").click()
    expect(page.locator("#bulk-progress [role=status]")).to_contain_text("Finished")
    expect(page.locator(".bulk-outcomes tbody tr")).to_have_count(3)
    screenshot("bulk-result")
    assert Customer.select().where(Customer.blocked).count() == 3
    assert not Customer.get(Customer.name == "Bulk 0").blocked
    assert not console_errors


def test_all_matching_and_typed_confirmation(admin_page, live_server, console_errors):
    page = admin_page
    for n in range(3):
        factories.customer(f"Ending {n}")
    factories.customer("Staying")
    page.goto(f"{live_server}/customers?q=ending")
    page.get_by_label("all 3 matching this search").check()
    page.locator("#bulk-form select[name=action]").select_option("permanently_terminate")
    page.get_by_role("button", name="Preview…").click()
    page.get_by_label("Type 3 to confirm", exact=False).fill("2")
    page.get_by_role("button", name="Terminate permanently 3 customers").click()
    expect(page.locator("article .notice-error")).to_contain_text("Type 3")
    page.locator("input[name=confirmation]").fill("3")
    page.get_by_role("button", name="Terminate permanently 3 customers").click()
    expect(page.locator("#bulk-progress [role=status]")).to_contain_text("3 changed")
    assert Customer.select().where(Customer.terminated_at.is_null(False)).count() == 3
    assert not console_errors


def test_progress_is_polled_and_cancel_stops_the_job(page, live_server, console_errors, axe_page):
    make_user()
    factories.customer("Someone")
    job = create(Viewer("admin", "operator_admin"), "block", "", "scope=all", [], "Block: all", 1000)
    BulkJob.update(state="running", runner="elsewhere:1:x", heartbeat_at=clock.utcnow(), changed=100).where(
        BulkJob.id == job.id).execute()
    sign_in(page, live_server)
    page.goto(f"{live_server}/customers/bulk/{job.id}")
    expect(page.locator("#bulk-progress progress")).to_have_attribute("value", "10")
    BulkJob.update(changed=500).where(BulkJob.id == job.id).execute()
    expect(page.locator("#bulk-progress progress")).to_have_attribute("value", "50", timeout=5000)
    page.get_by_role("button", name="Cancel the job").click()
    expect(page.locator("#bulk-progress [role=status]")).to_contain_text("Stopping after the current batch")
    assert BulkJob.get_by_id(job.id).cancel_requested
    # The worker stops at its next batch; the page notices without a reload.
    BulkJob.update(state="cancelled", finished_at=clock.utcnow()).where(BulkJob.id == job.id).execute()
    expect(page.locator("#bulk-progress [role=status]")).to_contain_text("Cancelled", timeout=5000)
    assert not console_errors
    sign_in(axe_page, live_server)
    for path in (f"/customers/bulk/{job.id}", "/customers"):
        axe_page.goto(f"{live_server}{path}")
        assert violations(axe_page) == [], path
