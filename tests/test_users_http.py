"""The Users pages over HTTP: list, create, change role, disable / enable, reset password,
turn off two-factor sign-in, and the required two-factor rule."""
from data import two_factor
from data.records import User
from tests import factories
from tests.conftest import HTMX, csrf_token, fresh, make_user, sign_in, sign_in_by_form, soup


def post(client, path, token, **data):
    return client.post(path, data={"csrf_token": token, **data})


def test_the_list_shows_every_column(client):
    acme = factories.reseller("Acme Ltd")
    make_user("rosa", "reseller_staff", acme)
    viv = make_user("viv", "operator_viewer")
    User.update(disabled_at=User.created_at, totp_secret="A" * 32).where(User.id == viv.id).execute()
    page = soup(client.get("/users"))
    assert [th.get_text(strip=True) for th in page.select("thead th")] == [
        "Name", "Role", "Owner", "Last sign-in", "Two-factor", "State"]
    rows = {tr.td.get_text(" ", strip=True): [td.get_text(" ", strip=True) for td in tr.select("td")]
            for tr in page.select("tbody tr")}
    assert rows["rosa"] == ["rosa", "Reseller staff", "Acme Ltd", "never", "Off", "Active"]
    assert rows["viv"][4:] == ["On", "Disabled"]
    assert rows["admin (you)"][:2] == ["admin (you)", "Operator administrator"]
    assert page.select_one('a[href="/users/new"]') is not None


def test_creating_a_user_shows_the_password_once_and_they_must_change_it(app, client, token):
    factories.reseller("Acme Ltd")
    response = post(client, "/users/new", token, name="rosa", role="reseller_staff", owner="Acme Ltd")
    assert response.status_code == 200
    password = soup(response).select_one("#one-time-password").get_text()
    rosa = User.get(User.name == "rosa")
    assert rosa.owner.name == "Acme Ltd" and rosa.must_change_password
    assert "no-store" in response.headers["Cache-Control"]
    # Rosa signs in and is kept on My account until she has her own password.
    browser = app.test_client()
    assert sign_in_by_form(browser, "rosa", password).status_code == 303
    assert browser.get("/customers").headers["Location"] == "/account"
    assert browser.get("/customers", headers=HTMX).headers["HX-Redirect"] == "/account"
    assert "Choose your own password" in soup(browser.get("/account")).get_text()
    done = browser.post("/account/password", data={"csrf_token": csrf_token(browser, "/account"),
                                                   "old_password": password, "new_password": "rosa's own password",
                                                   "repeat_password": "rosa's own password"})
    assert done.status_code == 303
    assert browser.get("/customers").status_code == 200


def test_creating_with_a_typed_password_goes_to_the_new_user(client, token):
    response = post(client, "/users/new", token, name="clerk", role="billing_clerk", password="first password!")
    user = User.get(User.name == "clerk")
    assert response.status_code == 303 and response.headers["Location"] == f"/users/{user.id}"
    assert "was created" in soup(client.get(response.headers["Location"])).get_text()


def test_bad_input_is_a_422_with_messages_beside_the_fields(client, token):
    response = post(client, "/users/new", token, name="", role="reseller_staff", owner="Nobody Ltd", password="short")
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#e-name").get_text() == "must be 1 to 100 characters"
    assert "there is no reseller named" in page.select_one("#e-owner").get_text()
    assert "at least 10" in page.select_one("#e-password").get_text()
    assert page.select_one("#f-owner")["value"] == "Nobody Ltd"
    assert page.select_one("#f-role option[selected]")["value"] == "reseller_staff"
    assert post(client, "/users/new", token, name="x", role="emperor").status_code == 422
    assert User.select().count() == 1


def test_changing_a_role(client, token):
    dist = factories.distributor("Dist One")
    sam = make_user("sam", "operator_viewer")
    bad = post(client, f"/users/{sam.id}/role", token, role="distributor_staff", owner="")
    assert bad.status_code == 422 and soup(bad).select_one("#e-owner") is not None
    good = post(client, f"/users/{sam.id}/role", token, role="distributor_staff", owner="Dist One")
    assert good.status_code == 303
    assert (fresh(sam).role, fresh(sam).owner_id) == ("distributor_staff", dist.id)


def test_the_owner_field_offers_the_names_of_the_roles_kind(client, token):
    """The owner is picked from a list of names, not typed exactly from memory: the field asks
    for the names of the chosen role's kind (reseller or distributor) containing what is typed."""
    factories.reseller("Acme Ltd")
    factories.reseller("Acme Wholesale")
    factories.reseller("Beta Telecom")
    factories.distributor("Acme Distribution")
    factories.customer("Acme Retail Customer")
    form = soup(client.get("/users/new"))
    owner = form.select_one("#f-owner")
    assert owner["list"] == "owner-names" and form.select_one("datalist#owner-names") is not None
    assert owner["data-hx-get"] == "/users/owner-options" and owner["data-hx-include"] == "#f-role"

    def offered(**args):
        response = client.get("/users/owner-options", query_string=args, headers=HTMX)
        assert response.status_code == 200
        return [o["value"] for o in soup(response).select("option")]

    assert offered(role="reseller_staff", owner="acme") == ["Acme Ltd", "Acme Wholesale"]
    assert offered(role="reseller_staff", owner="") == ["Acme Ltd", "Acme Wholesale", "Beta Telecom"]
    assert offered(role="distributor_staff", owner="ACME") == ["Acme Distribution"]
    assert offered(role="billing_clerk", owner="acme") == offered(role="", owner="acme") == []
    # A form sent back with a problem offers the names for what it holds.
    bad = post(client, "/users/new", token, name="rosa", role="reseller_staff", owner="acme w")
    assert bad.status_code == 422
    assert [o["value"] for o in soup(bad).select("datalist#owner-names option")] == ["Acme Wholesale"]


def test_disabling_signs_the_user_out_at_once(app, client, token):
    viv = make_user("viv", "operator_viewer")
    theirs = sign_in(app.test_client(), viv)
    assert theirs.get("/customers").status_code == 200
    assert post(client, f"/users/{viv.id}/disable", token).status_code == 303
    assert theirs.get("/customers").headers["Location"].startswith("/sign-in")
    refused = sign_in_by_form(app.test_client(), "viv")
    assert refused.status_code == 401 and "disabled" in soup(refused).get_text()
    assert "Disabled since" in soup(client.get(f"/users/{viv.id}")).get_text()
    assert post(client, f"/users/{viv.id}/enable", token).status_code == 303
    assert sign_in_by_form(app.test_client(), "viv").status_code == 303


def test_nobody_disables_themselves(client, token):
    me = User.get(User.name == "admin")
    assert post(client, f"/users/{me.id}/disable", token).status_code == 403
    assert fresh(me).disabled_at is None
    assert soup(client.get(f"/users/{me.id}")).select_one(f'form[action="/users/{me.id}/disable"]') is None


def test_resetting_a_password_shows_a_new_one_once(app, client, token):
    rex = make_user("rex", "billing_clerk")
    theirs = sign_in(app.test_client(), rex)
    response = post(client, f"/users/{rex.id}/password", token)
    password = soup(response).select_one("#one-time-password").get_text()
    assert response.status_code == 200 and fresh(rex).must_change_password
    assert theirs.get("/customers").status_code == 302  # signed out
    assert sign_in_by_form(app.test_client(), "rex").status_code == 401
    assert sign_in_by_form(app.test_client(), "rex", password).status_code == 303


def test_an_administrator_turns_off_someone_elses_two_factor_sign_in(client, token):
    tom = make_user("tom", "operator_viewer")
    User.update(totp_secret="A" * 32).where(User.id == tom.id).execute()
    assert post(client, f"/users/{tom.id}/two-factor/off", token).status_code == 303
    assert not fresh(tom).two_factor
    again = client.post(f"/users/{tom.id}/two-factor/off", data={"csrf_token": token}, headers=HTMX)
    assert again.status_code == 409


def test_unknown_users_are_404_and_forms_need_the_csrf_token(client, token):
    assert client.get("/users/999999").status_code == 404
    assert post(client, "/users/999999/disable", token).status_code == 404
    viv = make_user("viv", "operator_viewer")
    assert client.post(f"/users/{viv.id}/disable").status_code == 400
    assert fresh(viv).disabled_at is None


def test_the_required_two_factor_rule(app, client, token):
    page = soup(client.get("/users"))
    assert page.select_one('input[name="required"][value="none"]').has_attr("checked")
    bad = post(client, "/users/two-factor", token, required="roles")
    assert bad.status_code == 422 and "tick at least one role" in soup(bad).get_text()
    assert post(client, "/users/two-factor", token, required="sometimes").status_code == 422
    assert post(client, "/users/two-factor", token, required="roles", role=["billing_clerk"]).status_code == 303
    assert two_factor.requirement().roles == {"billing_clerk"}
    page = soup(client.get("/users"))
    assert page.select_one('input[name="role"][value="billing_clerk"]').has_attr("checked")
    # A clerk without two-factor sign-in is sent to set it up right after the password.
    make_user("clerk", "billing_clerk")
    clerk = app.test_client()
    assert sign_in_by_form(clerk, "clerk").status_code == 303
    assert clerk.get("/customers").headers["Location"] == "/account/two-factor"
    assert clerk.get("/account/two-factor").status_code == 200
    # Operators are not concerned.
    assert client.get("/customers").status_code == 200
    assert post(client, "/users/two-factor", token, required="everyone").status_code == 303
    assert client.get("/customers").headers["Location"] == "/account/two-factor"


def test_the_user_page_lists_who_changed_the_account(client, token):
    factories.distributor("Dist One")
    post(client, "/users/new", token, name="sam", role="operator_viewer", password="first password!")
    sam = User.get(User.name == "sam")
    post(client, f"/users/{sam.id}/role", token, role="distributor_staff", owner="Dist One")
    post(client, f"/users/{sam.id}/disable", token)
    post(client, f"/users/{sam.id}/disable", token)  # already disabled: nothing more to record
    post(client, f"/users/{sam.id}/enable", token)
    post(client, f"/users/{sam.id}/password", token)
    rows = [[td.get_text(strip=True) for td in tr.select("td")][1:]
            for tr in soup(client.get(f"/users/{sam.id}")).select("table.user-changes tbody tr")]
    assert rows == [["admin", "reset the password"], ["admin", "enabled"], ["admin", "disabled"],
                    ["admin", "role changed from Operator viewer (read-only) to "
                              "Distributor staff (read-only) of Dist One"],
                    ["admin", "created as Operator viewer (read-only)"]]
