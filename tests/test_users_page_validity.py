"""The Users, My account and sign-in code pages as HTML: a label for every control, unique
ids, autocomplete tokens that fit, and every aria-describedby pointing at something."""
from data.records import User
from tests import factories
from tests.conftest import csrf_token, make_user, sign_in_by_form, soup
from tests.test_page_validity import ONE_LINE_TOKENS, controls, has_label

TOKENS = ONE_LINE_TOKENS | {"one-time-code"}


def check(html, name):
    assert not [str(e)[:80] for e in controls(html) if not has_label(html, e)], name
    ids = [e["id"] for e in html.select("[id]")]
    assert len(ids) == len(set(ids)), (name, sorted({i for i in ids if ids.count(i) > 1}))
    for element in html.select("input[autocomplete]"):
        assert element["autocomplete"] in TOKENS, (name, str(element)[:100])
    for element in html.select("[aria-describedby]"):
        assert html.find(id=element["aria-describedby"]) is not None, (name, str(element)[:100])


def test_the_pages_are_valid(app, client):
    rosa = make_user("rosa", "reseller_staff", factories.reseller("Acme"))
    token = csrf_token(client)
    me = User.get(User.name == "admin")
    pages = {name: client.get(url) for name, url in [
        ("users", "/users"), ("new", "/users/new"), ("user", f"/users/{rosa.id}"), ("me", f"/users/{me.id}"),
        ("account", "/account"), ("set-up", "/account/two-factor")]}
    pages["new, errors"] = client.post("/users/new", data={"csrf_token": token, "role": "reseller_staff"})
    pages["account, errors"] = client.post("/account/password", data={"csrf_token": token, "new_password": "x"})
    pages["set-up, errors"] = client.post("/account/two-factor", data={"csrf_token": token, "code": "1"})
    User.update(totp_secret="A" * 32).where(User.name == "admin").execute()
    pages["account with two-factor"] = client.get("/account")
    pages["account, wrong code"] = client.post("/account/two-factor/off", data={"csrf_token": token, "code": "1"})
    browser = app.test_client()
    sign_in_by_form(browser)
    pages["code step"] = browser.get("/sign-in/code")
    for name, response in pages.items():
        assert response.status_code in (200, 422), name
        check(soup(response), name)
