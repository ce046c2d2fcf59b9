"""My account over HTTP: password, other sessions, recent sign-ins, and two-factor
sign-in from enrolment to a sign-in in two steps."""
import re
import time
from datetime import timedelta

import pyotp

from data import clock, two_factor
from data.records import User
from tests.conftest import HTMX, TEST_PASSWORD, csrf_token, fresh, make_user, sign_in, sign_in_by_form, soup


def post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/account"), **data})


def test_changing_my_password(app, client):
    other = sign_in(app.test_client(), User.get(User.name == "admin"))
    wrong = post(client, "/account/password", old_password="nope", new_password="a new password!",
                 repeat_password="a new password!")
    assert wrong.status_code == 422
    assert soup(wrong).select_one("#e-old_password").get_text() == "is not your current password"
    mismatch = post(client, "/account/password", old_password=TEST_PASSWORD, new_password="a new password!",
                    repeat_password="another one!!")
    assert mismatch.status_code == 422 and soup(mismatch).select_one("#f-repeat_password")["aria-invalid"] == "true"
    done = post(client, "/account/password", old_password=TEST_PASSWORD, new_password="a new password!",
                repeat_password="a new password!")
    assert done.status_code == 303
    assert "Your password was changed" in soup(client.get("/account")).get_text()
    assert other.get("/customers").status_code == 302  # the other session ended, this one goes on


def test_signing_out_my_other_sessions(app, client):
    admin = User.get(User.name == "admin")
    others = [sign_in(app.test_client(), admin) for _ in range(2)]
    assert "in 2 other sessions" in soup(client.get("/account")).get_text()
    assert post(client, "/account/sessions/end-others").status_code == 303
    assert "2 other sessions signed out" in soup(client.get("/account")).get_text()
    assert all(o.get("/customers").status_code == 302 for o in others)
    assert client.get("/customers").status_code == 200


def test_recent_sign_ins(app):
    make_user()
    browser = app.test_client()
    sign_in_by_form(browser, password="wrong", address="192.0.2.5", headers={"User-Agent": "Guesser/1.0"})
    sign_in_by_form(browser, address="192.0.2.6", headers={"User-Agent": "Firefox/140"})
    rows = [[td.get_text(" ", strip=True) for td in tr.select("td")][1:]
            for tr in soup(browser.get("/account")).select("table.sign-ins tbody tr")]
    assert rows == [["Signed in password", "192.0.2.6", "Firefox/140"],
                    ["Failed wrong password", "192.0.2.5", "Guesser/1.0"]]


def enrol(client):
    """Set two-factor sign-in up through the pages; the secret (read from the page) and the recovery codes."""
    page = soup(client.get("/account/two-factor"))
    assert page.select_one("figure.qr img")["src"].startswith("data:image/svg+xml")
    secret = page.select_one("code.secret").get_text().replace(" ", "")
    token = csrf_token(client, "/account/two-factor")
    wrong = client.post("/account/two-factor", data={"csrf_token": token, "code": "12345"})
    assert wrong.status_code == 422 and soup(wrong).select_one("#e-code") is not None
    # The same key is offered again after a wrong code (the app already has it).
    assert soup(wrong).select_one("code.secret").get_text().replace(" ", "") == secret
    done = client.post("/account/two-factor", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = [c.get_text() for c in soup(done).select("ol.recovery-codes code")]
    assert len(codes) == 10 and all(re.fullmatch(r"[0-9a-z]{5}-[0-9a-z]{5}", c) for c in codes)
    return secret, codes


def next_code(secret):
    """The code of the next time step: the current one was used up by the enrolment."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_two_factor_sign_in_from_enrolment_to_sign_in(app, client):
    secret, codes = enrol(client)
    assert fresh(User.get(User.name == "admin")).two_factor
    account = soup(client.get("/account"))
    assert "10 of 10 recovery codes left" in account.get_text()
    assert secret not in client.get("/account").get_data(as_text=True)  # never shown again
    assert client.get("/account/two-factor").status_code == 302

    browser = app.test_client()
    first = sign_in_by_form(browser, next_url="/customers?scope=all")
    assert first.status_code == 303 and first.headers["Location"] == "/sign-in/code"
    assert browser.get("/customers").status_code == 302  # not signed in yet
    step = soup(browser.get("/sign-in/code"))
    assert step.select_one("label[for=sign-in-code]").get_text() == "Code"
    token = csrf_token(browser, "/sign-in/code")
    wrong = browser.post("/sign-in/code", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 401 and "Wrong or already used code" in soup(wrong).get_text()
    code = next_code(secret)
    done = browser.post("/sign-in/code", data={"csrf_token": token, "code": code})
    assert done.status_code == 303 and done.headers["Location"] == "/customers?scope=all"
    assert browser.get("/customers").status_code == 200

    # The same code again, in another browser: refused (no replay within its window).
    again = app.test_client()
    sign_in_by_form(again)
    replay = again.post("/sign-in/code", data={"csrf_token": csrf_token(again, "/sign-in/code"), "code": code})
    assert replay.status_code == 401
    # A recovery code works, once.
    used = again.post("/sign-in/code", data={"csrf_token": csrf_token(again, "/sign-in/code"), "code": codes[0]})
    assert used.status_code == 303
    third = app.test_client()
    sign_in_by_form(third)
    assert third.post("/sign-in/code", data={"csrf_token": csrf_token(third, "/sign-in/code"),
                                             "code": codes[0]}).status_code == 401
    log = soup(client.get("/account")).select_one("table.sign-ins").get_text(" ", strip=True)
    assert "password and recovery code" in log and "password and code" in log and "wrong code" in log


def test_the_code_step_expires(app, client):
    enrol(client)
    browser = app.test_client()
    sign_in_by_form(browser)
    clock.freeze(clock.utcnow() + timedelta(minutes=6))
    late = browser.get("/sign-in/code")
    assert late.status_code == 401 and "took too long" in soup(late).get_text()
    assert app.test_client().get("/sign-in/code").status_code == 401  # never started here


def test_turning_two_factor_sign_in_off_needs_a_code(client):
    secret, codes = enrol(client)
    wrong = post(client, "/account/two-factor/off", code="999999")
    assert wrong.status_code == 422 and "wrong or already used code" in soup(wrong).select_one("#e-off-code").text
    assert post(client, "/account/two-factor/off", code=codes[3]).status_code == 303
    assert not fresh(User.get(User.name == "admin")).two_factor


def test_new_recovery_codes_need_a_code(client):
    secret, codes = enrol(client)
    assert post(client, "/account/recovery-codes", code="").status_code == 422
    fresh_codes = post(client, "/account/recovery-codes", code=next_code(secret))
    new = [c.get_text() for c in soup(fresh_codes).select("ol.recovery-codes code")]
    assert len(new) == 10 and not set(new) & set(codes)


def test_required_two_factor_cannot_be_turned_off(client):
    secret, codes = enrol(client)
    two_factor.set_requirement(True, [])
    assert "cannot be turned off" in soup(client.get("/account")).get_text()
    assert post(client, "/account/two-factor/off", code=codes[0]).status_code == 409
    assert fresh(User.get(User.name == "admin")).two_factor


def test_a_required_enrolment_comes_before_everything_else(app):
    two_factor.set_requirement(True, [])
    make_user("newbie", "operator_viewer")
    browser = app.test_client()
    assert sign_in_by_form(browser, "newbie").status_code == 303
    for path in ("/customers", "/account", "/users"):
        assert browser.get(path).headers["Location"] == "/account/two-factor", path
    assert browser.get("/customers", headers=HTMX).headers["HX-Redirect"] == "/account/two-factor"
    page = soup(browser.get("/account/two-factor"))
    assert "requires two-factor sign-in" in page.get_text()
    secret = page.select_one("code.secret").get_text().replace(" ", "")
    done = browser.post("/account/two-factor", data={"csrf_token": csrf_token(browser, "/account/two-factor"),
                                                     "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    assert browser.get("/customers").status_code == 200


def test_running_out_of_recovery_codes_is_pointed_out(client):
    secret, codes = enrol(client)
    admin = User.get(User.name == "admin")
    for code in codes[:8]:
        assert two_factor.use_recovery_code(admin, code)
    assert "Only 2 recovery codes are left" in soup(client.get("/account")).get_text()
    two_factor.use_recovery_code(admin, codes[8])
    assert "Only 1 recovery code is left" in soup(client.get("/account")).get_text()


def test_my_own_changes_are_in_my_history(client):
    from data import sign_in_log
    secret, codes = enrol(client)
    post(client, "/account/recovery-codes", code=codes[0])
    assert post(client, "/account/two-factor/off", code=next_code(secret)).status_code == 303  # old codes gone
    admin = User.get(User.name == "admin")
    assert [(c.actor, c.action) for c in sign_in_log.changes(admin.id)] == [
        ("admin", "turned two-factor sign-in off"), ("admin", "made new recovery codes"),
        ("admin", "turned two-factor sign-in on")]
