"""Imports in Chromium (issue 14): upload a file, see its problems with line numbers,
upload the fixed file, import it; a check under way is polled until it ends."""
from playwright.sync_api import expect

import jobs
from data import imports
from data.access import Viewer
from data.import_records import CustomerImport
from data.models import Customer
from tests.conftest import make_user
from tests.e2e.conftest import sign_in, violations

BAD = "name,customer_type,currency,email\nAlpha Ltd,retail,USD,a@example.org\nBeta,retail,QQQ,not-an-address\n"
GOOD = "name,customer_type,currency,email\nAlpha Ltd,retail,USD,a@example.org\nBeta,retail,EUR,b@example.org\n"


def widths(page, screenshot, name):
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_upload_check_problems_then_import(admin_page, live_server, console_errors, screenshot, tmp_path, app):
    page = admin_page
    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    jobs.configure(app.config, app.instance_path)
    (tmp_path / "bad.csv").write_text(BAD)
    (tmp_path / "good.csv").write_text(GOOD)
    page.get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", name="Imports", exact=True)).to_be_visible()
    page.get_by_label("CSV file").set_input_files(str(tmp_path / "bad.csv"))
    widths(page, screenshot, "imports-form")
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#import-state [role=status]")).to_contain_text("2 problems in 2 lines; nothing was written")
    rows = page.locator("table.problem-list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("3")
    expect(rows.nth(0)).to_contain_text("currency")
    widths(page, screenshot, "imports-problems")
    page.get_by_role("button", name="Discard the file").click()
    expect(page.locator("#import-state [role=status]")).to_contain_text("Discarded")

    page.get_by_role("link", name="Back to imports").click()
    page.get_by_label("CSV file").set_input_files(str(tmp_path / "good.csv"))
    page.get_by_label("Encoding").select_option("utf-8")
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#import-state [role=status]")).to_contain_text("The check passed: 2 customers")
    assert Customer.select().count() == 0
    widths(page, screenshot, "imports-ready")
    page.get_by_role("button", name="Import now (2 customers)").click()
    expect(page.locator("#import-state [role=status]")).to_contain_text("2 customers added")
    assert sorted(c.name for c in Customer.select()) == ["Alpha Ltd", "Beta"]
    page.get_by_role("link", name="See the customers it added").click()
    expect(page.locator("#activity-results tbody tr")).to_have_count(2)
    page.get_by_role("link", name="Imports").click()
    expect(page.locator("table.imports-table tbody tr")).to_have_count(2)
    widths(page, screenshot, "imports-list")
    assert not console_errors


def test_a_check_under_way_is_polled_until_it_ends(page, live_server, console_errors, axe_page, tmp_path, app,
                                                   screenshot):
    make_user()
    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    jobs.configure(app.config, app.instance_path)
    folder = jobs.import_folder(app.config, app.instance_path).ensure()
    handle, stored = folder.new_upload()
    with handle:
        handle.write(GOOD.encode())
    found = imports.create(Viewer("admin", "operator_admin"), "later.csv", len(GOOD), stored, "")
    sign_in(page, live_server)
    page.goto(f"{live_server}/imports/{found.id}")
    expect(page.locator("#import-state [role=status]")).to_contain_text("Waiting for a worker")
    widths(page, screenshot, "imports-waiting")
    imports.run(found.id, folder)  # as the worker would
    expect(page.locator("#import-state [role=status]")).to_contain_text("The check passed", timeout=5000)
    assert CustomerImport.get_by_id(found.id).state == "ready"
    assert not console_errors
    sign_in(axe_page, live_server)
    for path in ("/imports", f"/imports/{found.id}"):
        axe_page.goto(f"{live_server}{path}")
        assert violations(axe_page) == [], path
