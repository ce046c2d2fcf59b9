"""Browser tests: the app served from a thread, driven in Debian's Chromium.

Never downloads a browser. Without Chromium these tests are skipped with a
message, unless REQUIRE_E2E=1 (CI), where a missing browser is a failure.
"""
import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from data import sessions
from data.records import User
from tests.conftest import TEST_PASSWORD, make_user
from views.auth import SESSION_KEY

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Assertions wait up to 15 s for the page, not Playwright's 5: on a loaded two-core machine (both
# halves of the suite, PostgreSQL and Chromium at once) a search's second request once took longer.
expect.set_options(timeout=15_000)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Without these, Chromium tries to reach Google's services, which this network refuses.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
         "--disable-background-networking", "--disable-component-update"]


# The browser tests drive pages, not the database. `make test` runs most of them in its SQLite
# half and these in its PostgreSQL half (marked postgres_half), so that the two halves, run at
# once on two cores, end at about the same time (the SQLite half was 2.5 minutes the longer).
# They run last there (tests/conftest.py), while the SQLite half's run first: one Chromium at a time.
POSTGRES_HALF = {"test_accessibility_lifecycle_browser.py", "test_activity_browser.py", "test_classes_browser.py",
                 "test_imports_browser.py", "test_saved_views_browser.py", "test_users_browser.py"}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    missing = not Path(CHROMIUM).exists()
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
            if Path(item.fspath).name in POSTGRES_HALF:
                item.add_marker(pytest.mark.postgres_half)
            if missing and os.environ.get("REQUIRE_E2E") != "1":
                item.add_marker(pytest.mark.skip(
                    reason=f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (or set CHROMIUM)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"REQUIRE_E2E=1 but Chromium is missing at {CHROMIUM}")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": FLAGS}


# The app each live server serves, by its address (sign_in makes its session cookie).
SERVED = {}


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # shutdown() waits for the loop's next look: half a second a test by default.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    SERVED[url] = app
    yield url
    del SERVED[url]
    server.shutdown()
    thread.join()


def names(page):
    """The customer names the list shows, in order."""
    return page.locator("#results tbody td.id-col a").all_inner_texts()


# axe-core (vendored for the tests only, tests/e2e/vendor/, MPL-2.0), injected as an init
# script: Playwright adds those outside the page, so the app's CSP stays in force.
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
# WCAG 2.1 A and AA, and axe's best practices (landmarks, headings, ids).
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
         "resultTypes": ["violations"]}


def settled(page):
    """Wait until no htmx request is in flight and no CSS transition runs. A click on content
    a response is about to swap out can land on the element being removed, and do nothing."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')"
                           " && !document.getAnimations().some(a => a instanceof CSSTransition)")


def violations(page):
    """axe's violations on the page once it has ``settled``, one readable line per element.

    Mid-fade, the "Searching…" indicator's text is blended with the page behind it, and axe
    measured that passing moment's contrast (at full opacity it passes)."""
    settled(page)
    found = page.evaluate("options => axe.run(document, options).then(r => r.violations)", RULES)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {node['target']}"
            for v in found for node in v["nodes"]]


@pytest.fixture
def axe_page(browser, live_server):
    context = browser.new_context()
    context.add_init_script(path=str(AXE))
    yield context.new_page()
    context.close()


def sign_in(page, base_url, name="admin"):
    """Open the customer list signed in as ``name``: a session made as the sign-in page makes
    one, its cookie given to the browser. Going through the form took a second and a half a
    test (the page, the password's hashing, the redirect); the form has tests of its own
    (``sign_in_by_form`` in test_roles_browser.py, typed in test_users_browser.py, the HTTP tests)."""
    app = SERVED[base_url]
    token = sessions.start(User.get(User.name == name).id)
    cookie = app.session_interface.get_signing_serializer(app).dumps({SESSION_KEY: token})
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": base_url}])
    page.goto(f"{base_url}/customers")


def sign_in_by_form(page, base_url, name="admin"):
    """Sign in through the sign-in page, as a person would."""
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/customers")


@pytest.fixture
def admin_page(page, live_server):
    """The browser page, signed in as an operator administrator."""
    make_user()
    sign_in(page, live_server)
    return page


@pytest.fixture
def admin_axe_page(axe_page, live_server):
    """A page with axe-core loaded, signed in as an operator administrator."""
    make_user()
    sign_in(axe_page, live_server)
    return axe_page


@pytest.fixture
def console_errors(request):
    """Console errors (CSP violations included) seen during the test; must stay empty. Read
    from the page the test drives: the axe page when it uses one (pytest-playwright's own
    ``page`` is then another, unused page, and listening there caught nothing)."""
    page = request.getfixturevalue("axe_page" if "axe_page" in request.fixturenames else "page")
    errors = []
    # A search replaced by the next keystroke is aborted on purpose (hx-sync replace),
    # and 422 form errors and 409 refusals are part of the design: the browser and
    # htmx log both, but neither is an error. Any other 4xx (a missing file) or 5xx fails.
    expected = ("htmx:sendAbort", "htmx:afterRequest",
                "Failed to load resource: the server responded with a status of 409",
                "Failed to load resource: the server responded with a status of 422")

    def on_console(message):
        if message.type == "error" and not message.text.startswith(expected):
            errors.append(f"{message.text} at {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def screenshot(page):
    def take(name):
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        # caret="initial": hiding the caret injects a <style> that our CSP (rightly) blocks.
        page.screenshot(path=str(path), full_page=True, caret="initial")
        return path
    return take


def press_back(page, forward=False):
    """The browser's Back (or Forward) button. Each step loads the page from the server
    (htmx keeps no snapshots), so Playwright's go_back, which waits for the first navigation
    only, sees it aborted by that load; the test waits for what the person sees instead."""
    page.evaluate(f"() => {{ window.beforeHistoryStep = true; history.go({1 if forward else -1}); }}")
    page.wait_for_function("() => window.beforeHistoryStep === undefined && document.readyState === 'complete'")
