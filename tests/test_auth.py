"""Sign-in, sessions, throttling, and the user commands."""
from datetime import datetime, timedelta

import pytest

from data import clock
from data.records import User
from tests.conftest import HTMX, TEST_PASSWORD, csrf_token, make_user, sign_in_by_form, soup


def test_pages_need_sign_in(anonymous):
    response = anonymous.get("/customers?q=abc")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")
    fragment = anonymous.get("/customers", headers=HTMX)
    assert fragment.status_code == 401 and fragment.headers["HX-Redirect"].startswith("/sign-in")
    for url in ("/customers.csv", "/customers/1", "/customers/owners?scope=reseller"):
        assert anonymous.get(url).status_code == 302
    with anonymous.get("/static/app.css") as static:
        assert static.status_code == 200


def test_sign_in_and_out(anonymous):
    make_user("ana")
    response = sign_in_by_form(anonymous, "ana", next_url="/customers?q=x")
    assert response.status_code == 303 and response.headers["Location"] == "/customers?q=x"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = soup(anonymous.get("/customers"))
    assert "ana" in page.select_one(".topbar .who").get_text()
    out = page.select_one("form.sign-out")
    anonymous.post(out["action"], data={"csrf_token": out.find("input")["value"]})
    assert anonymous.get("/customers").status_code == 302


def test_cookie_is_secure_over_https(app):
    make_user("tls")
    client = app.test_client()
    token = csrf_token(client, "/sign-in", base_url="https://localhost")
    response = client.post("/sign-in", base_url="https://localhost",
                           data={"csrf_token": token, "name": "tls", "password": TEST_PASSWORD},
                           headers={"Referer": "https://localhost/sign-in"})
    assert response.status_code == 303 and "Secure" in response.headers["Set-Cookie"]


def test_wrong_password_and_unknown_user_look_the_same(anonymous):
    make_user("bea")
    wrong = sign_in_by_form(anonymous, "bea", "not the password")
    unknown = sign_in_by_form(anonymous, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong user name or password." in wrong.get_data(as_text=True)
    assert "Wrong user name or password." in unknown.get_data(as_text=True)


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                       "/\\/evil.example/", "javascript:alert(1)"])
def test_next_never_leaves_the_site(anonymous, elsewhere):
    make_user("cid")
    response = sign_in_by_form(anonymous, "cid", next_url=elsewhere)
    assert response.headers["Location"] == "/customers"


def test_repeated_failures_lock_the_account_for_a_while(anonymous):
    make_user("dan")
    clock.freeze(datetime(2026, 11, 25, 12, 0))
    try:
        for _ in range(5):
            assert sign_in_by_form(anonymous, "dan", "wrong password!").status_code == 401
        locked = sign_in_by_form(anonymous, "dan")  # even the right password
        assert locked.status_code == 401 and "Too many failed sign-ins" in locked.get_data(as_text=True)
        clock.freeze(datetime(2026, 11, 25, 12, 16))
        assert sign_in_by_form(anonymous, "dan").status_code == 303
    finally:
        clock.freeze(None)


def test_repeated_failures_from_one_address_are_slowed_down(anonymous):
    make_user("eve")
    for n in range(20):
        sign_in_by_form(anonymous, f"guess{n}", "wrong password!", address="192.0.2.7")
    assert sign_in_by_form(anonymous, "eve", address="192.0.2.7").status_code == 401
    assert sign_in_by_form(anonymous, "eve", address="192.0.2.8").status_code == 303


def test_behind_a_proxy_failures_count_per_client_not_per_proxy(app, anonymous):
    from app import create_app

    proxied = create_app({**app.config, "PROXY_COUNT": 1}).test_client()
    make_user("fay")
    for n in range(20):  # all arrive from the load balancer, 10.0.0.1, for one client
        sign_in_by_form(proxied, f"guess{n}", "wrong password!", address="10.0.0.1",
                        headers={"X-Forwarded-For": "198.51.100.9"})
    forwarded = {"X-Forwarded-For": "198.51.100.9"}
    assert sign_in_by_form(proxied, "fay", address="10.0.0.1", headers=forwarded).status_code == 401
    forwarded = {"X-Forwarded-For": "198.51.100.10"}
    assert sign_in_by_form(proxied, "fay", address="10.0.0.1", headers=forwarded).status_code == 303


def test_a_new_password_signs_old_sessions_out(client, runner):
    assert client.get("/customers").status_code == 200
    result = runner.invoke(args=["demo-admin", "--name", "admin"])
    assert result.exit_code == 0 and "Sign in as “admin” with password:" in result.output
    assert client.get("/customers").status_code == 302


def test_create_user_command(runner, database):
    from tests import factories
    factories.reseller("Acme Resale")
    result = runner.invoke(args=["create-user", "rita", "--role", "reseller_staff", "--reseller", "Acme Resale"],
                           input="a long enough password\na long enough password\n")
    assert result.exit_code == 0, result.output
    rita = User.get(User.name == "rita")
    assert rita.owner.name == "Acme Resale" and "a long enough" not in rita.password_hash
    for args, words in ((["rita", "--role", "operator_admin"], "already exists"),
                        (["sam", "--role", "reseller_staff"], "needs --reseller"),
                        (["tom", "--role", "operator_admin", "--reseller", "Acme Resale"], "leave out --reseller"),
                        (["uma", "--role", "operator_viewer"], "at least 10")):
        password = "short\nshort\n" if "at least" in words else "a long enough password\na long enough password\n"
        result = runner.invoke(args=["create-user", *args], input=password)
        assert result.exit_code != 0 and words in result.output, (args, result.output)


def test_demo_admin_prints_a_new_password_each_time(runner):
    first = runner.invoke(args=["demo-admin"]).output
    second = runner.invoke(args=["demo-admin"]).output
    assert first != second and User.select().where(User.name == "demo").count() == 1


@pytest.mark.parametrize("window", [timedelta(minutes=14)])
def test_failures_older_than_the_window_do_not_count(anonymous, window):
    make_user("fay")
    clock.freeze(datetime(2026, 11, 25, 12, 0))
    try:
        for _ in range(4):
            sign_in_by_form(anonymous, "fay", "wrong password!")
        clock.freeze(datetime(2026, 11, 25, 12, 0) + window + timedelta(minutes=2))
        sign_in_by_form(anonymous, "fay", "wrong password!")  # the first four have aged out
        assert sign_in_by_form(anonymous, "fay").status_code == 303
    finally:
        clock.freeze(None)


def test_create_user_reads_one_password_line_from_a_pipe(runner, database):
    result = runner.invoke(args=["create-user", "pia", "--role", "operator_viewer"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "Repeat" not in result.output
    from werkzeug.security import check_password_hash
    assert check_password_hash(User.get(User.name == "pia").password_hash, "a long enough password")


@pytest.mark.parametrize("args, words", [
    (["--role", "reseller_staff"], "--role reseller_staff needs --reseller NAME"),
    (["--role", "distributor_staff"], "--role distributor_staff needs --distributor NAME"),
    (["--role", "reseller_staff", "--reseller", "Nobody"], "there is no reseller named “Nobody”"),
    (["--role", "operator_admin", "--reseller", "Nobody"], "leave out --reseller"),
])
def test_create_user_checks_role_and_owner_before_asking_for_a_password(runner, database, args, words):
    result = runner.invoke(args=["create-user", "quinn", *args], input="")  # no password given at all
    assert result.exit_code != 0 and words in result.output, result.output
    assert "Password" not in result.output and "No password" not in result.output
    assert not User.select().where(User.name == "quinn").exists()
