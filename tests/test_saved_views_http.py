"""Saved views of the customer list (issue 13): save, open, share, landing view, rename,
delete; someone else's view; bad input."""
from urllib.parse import parse_qs, urlsplit

import pytest

from data.models import Customer
from data.view_records import ListSetting, SavedView
from tests import factories
from tests.conftest import HTMX, csrf_token, make_user, sign_in, soup


@pytest.fixture
def acme(app):
    r = factories.reseller("Acme Ltd")
    factories.customer("Ann Sub", reseller=r, company_name="Ann's Bakery")
    factories.customer("Bob Direct")
    return r


def save(client, name, query, **extra):
    data = {"csrf_token": csrf_token(client, "/customers/views"), "name": name, "save": query, **extra}
    return client.post("/customers/views", data=data)


def post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/customers/views"), **data})


def view_named(name):
    return SavedView.get(SavedView.name == name)


def names_listed(page):
    return [a.get_text() for a in page.select("td.id-col > a")]


def test_save_and_open_a_view(client, acme):
    response = save(client, "Acme by balance", "scope=reseller:Acme+Ltd&sort=-balance&per_page=25&page=3")
    assert response.status_code == 303
    view = view_named("Acme by balance")
    assert response.location == f"/customers?view={view.id}"
    opened = client.get(response.location)
    assert opened.status_code == 303
    params = parse_qs(urlsplit(opened.location).query)
    # The page is not part of a view: it opens at page 1.
    assert params == {"scope": ["reseller:Acme Ltd"], "sort": ["-balance"], "per_page": ["25"]}
    page = soup(client.get(opened.location))
    assert names_listed(page) == ["Ann Sub"]
    assert "View: Acme by balance" in page.select_one("#views-menu summary").get_text()


def test_the_views_menu_lists_views_as_links_and_offers_saving_the_list_shown(client, acme):
    save(client, "Direct", "")
    page = soup(client.get("/customers?q=bob"))
    links = {a.get_text(" ", strip=True): a["href"] for a in page.select("#views-menu a")}
    assert links["Default list"] == "/customers?view=none"
    assert links["Direct"] == f"/customers?view={view_named('Direct').id}"
    assert parse_qs(urlsplit(links["Save this list as a view…"]).query) == {"save": ["q=bob"]}
    # htmx answers redraw the menu, so Save saves what the list shows after typing.
    fragment = soup(client.get("/customers?q=ann", headers=HTMX))
    menu = fragment.select_one("#views-menu-list[data-hx-swap-oob]")
    assert "save=q%3Dann" in menu.select_one("a[href*=save]")["href"]
    assert fragment.select_one("#views-menu-label[data-hx-swap-oob]").get_text() == "Views"


def test_the_save_form_is_offered_for_the_list_to_save(client, acme):
    page = soup(client.get("/customers/views?save=q%3Dann"))
    form = page.select_one("form.save-view-form")
    assert form.select_one("input[name=save]")["value"] == "q=ann"
    assert form.select_one("label[for=f-name]")


def test_keeping_the_columns_saves_them_with_the_view(client, acme):
    post(client, "/customers/columns", order=list(_all_keys_with_company_first()), show=["name", "company_name"],
         density="comfortable")
    save(client, "Companies", "scope=all&q=ann", columns="1")
    assert parse_qs(view_named("Companies").query)["cols"] == ["company_name,name"]
    # A teammate opening it sees the view's columns, not their own.
    other = sign_in(client.application.test_client(), make_user("second"))
    post(client, f"/customers/views/{view_named('Companies').id}", name="Companies", shared="1")
    page = soup(other.get(other.get(f"/customers?view={view_named('Companies').id}").location))
    assert [th.get_text(strip=True) for th in page.select("thead th")][1:] == ["Company", "ID"]


def _all_keys_with_company_first():
    from data.list_columns import DEFAULT_ORDER
    return ("company_name", *(k for k in DEFAULT_ORDER if k != "company_name"))


def test_bad_names_are_a_422_that_says_why(client, acme):
    save(client, "Mine", "")
    for name, says in (("", "needs a name"), ("   ", "needs a name"), ("x" * 81, "at most 80"),
                       ("mine", "already have a view called")):
        response = save(client, name, "q=ann")
        assert response.status_code == 422, name
        page = soup(response)
        assert says in page.select_one("#e-name").get_text()
        assert page.select_one("input[name=save]")["value"] == "q=ann"   # nothing lost
    assert SavedView.select().count() == 1


def test_a_list_that_does_not_parse_cannot_be_saved(client, acme):
    for query in ("sort=bogus", "scope=reseller:Nobody", "flt0_balance_gt=abc", "cols=nonsense"):
        response = save(client, "Broken", query)
        assert response.status_code == 422, query
        assert "cannot be saved" in soup(response).select_one(".save-view .notice-error").get_text()
    assert SavedView.select().count() == 0


def test_a_view_that_no_longer_parses_says_so(client, acme):
    save(client, "Acme", "scope=reseller:Acme+Ltd")
    Customer.update(customer_type="retail").where(Customer.id == acme.id).execute()   # no reseller any more
    response = client.get(f"/customers?view={view_named('Acme').id}")
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "“Acme” no longer works" in text and "no reseller named" in text


def test_a_landing_view_opens_the_list_and_view_none_is_the_default(client, acme):
    save(client, "All", "scope=all", landing="1")
    view = view_named("All")
    response = client.get("/customers")
    assert response.status_code == 303 and response.location == "/customers?scope=all"
    assert client.get(f"/customers?view={view.id}").location == "/customers?scope=all"
    assert client.get("/customers?view=none").status_code == 200
    assert names_listed(soup(client.get("/customers?view=none"))) == ["Acme Ltd", "Bob Direct"]
    # htmx requests and lists with parameters are never redirected.
    assert client.get("/customers", headers=HTMX).status_code == 200
    assert client.get("/customers?q=bob").status_code == 200
    # Back to the default list as landing.
    assert post(client, "/customers/views/landing", view="").status_code == 303
    assert client.get("/customers").status_code == 200


def test_choosing_the_landing_view_on_the_views_page(client, acme):
    save(client, "All", "scope=all")
    view = view_named("All")
    page = soup(client.get("/customers/views"))
    assert page.select_one(f"input[name=view][value='{view.id}'][form=landing-form]")
    assert post(client, "/customers/views/landing", view=str(view.id)).status_code == 303
    assert client.get("/customers").location == "/customers?scope=all"
    for bad in ("abc", "99999"):
        assert post(client, "/customers/views/landing", view=bad).status_code == 422


def test_rename_and_share_then_delete(client, acme):
    save(client, "Old name", "q=ann", landing="1")
    view = view_named("Old name")
    assert post(client, f"/customers/views/{view.id}", name="New name", shared="1").status_code == 303
    view = SavedView.get_by_id(view.id)
    assert (view.name, view.shared) == ("New name", True)
    save(client, "Other", "")
    response = post(client, f"/customers/views/{view.id}", name="other")
    assert response.status_code == 422
    assert "already have a view called" in soup(response).select_one(f"#e-name-{view.id}").get_text()
    assert post(client, f"/customers/views/{view.id}/delete").status_code == 303
    assert not SavedView.select().where(SavedView.id == view.id).exists()
    # It was the landing view: the list opens with the default list again.
    assert ListSetting.get(ListSetting.user == view.user_id).landing_view_id is None
    assert client.get("/customers").status_code == 200


@pytest.fixture
def team(app, acme):
    """An operator admin's views, one shared; a teammate (operator viewer), reseller staff."""
    admin = make_user("admin")
    client = sign_in(app.test_client(), admin)
    save(client, "Shared one", "scope=all", shared="1")
    save(client, "Private one", "q=bob")
    mate = sign_in(app.test_client(), make_user("mate", "operator_viewer"))
    staff = sign_in(app.test_client(), make_user("staff", "reseller_staff", acme))
    return client, mate, staff


def test_a_shared_view_is_visible_read_only_to_teammates(team):
    _, mate, _ = team
    shared, private = view_named("Shared one"), view_named("Private one")
    menu = [a.get_text(" ", strip=True) for a in soup(mate.get("/customers?view=none")).select("#views-menu a")]
    assert "Shared one by admin" in menu and not any("Private one" in m for m in menu)
    assert mate.get(f"/customers?view={shared.id}").status_code == 303
    assert mate.get(f"/customers?view={private.id}").status_code == 404
    page = soup(mate.get("/customers/views"))
    assert "Read-only" in page.select_one(f"#view-{shared.id}").get_text()
    assert post(mate, f"/customers/views/{shared.id}", name="Mine now").status_code == 403
    assert post(mate, f"/customers/views/{shared.id}/delete").status_code == 403
    assert post(mate, f"/customers/views/{private.id}/delete").status_code == 404
    assert view_named("Shared one")
    # A teammate may land on a shared view, until it is no longer shared.
    assert post(mate, "/customers/views/landing", view=str(shared.id)).status_code == 303
    assert mate.get("/customers").status_code == 303
    admin_client = team[0]
    post(admin_client, f"/customers/views/{shared.id}", name="Shared one")   # unshared
    assert mate.get("/customers").status_code == 200


def test_another_team_never_sees_the_views(team):
    _, _, staff = team
    for view in SavedView.select():
        assert staff.get(f"/customers?view={view.id}").status_code == 404
        assert post(staff, f"/customers/views/{view.id}/delete").status_code == 404
        assert post(staff, "/customers/views/landing", view=str(view.id)).status_code == 422
    assert "Shared one" not in staff.get("/customers").get_data(as_text=True)
    assert staff.get("/customers?view=abc").status_code == 404


def test_staff_share_views_within_their_own_owner(app, acme):
    first = sign_in(app.test_client(), make_user("s1", "reseller_staff", acme))
    second = sign_in(app.test_client(), make_user("s2", "reseller_staff", acme))
    save(first, "Ours", "q=ann", shared="1")
    opened = second.get(f"/customers?view={view_named('Ours').id}")
    assert opened.status_code == 303
    assert names_listed(soup(second.get(opened.location))) == ["Ann Sub"]


def test_the_list_reads_its_settings_once_a_page_landing_view_included(client, acme, executed):
    save(client, "All", "scope=all", landing="1")
    save(client, "Bob", "q=bob")
    executed.clear()
    assert client.get("/customers?view=none").status_code == 200
    page = client.get("/customers?q=bob")
    assert sum('"list_setting"' in sql for sql in executed) == 2   # one per page
    marked = [li.get_text(" ", strip=True) for li in soup(page).select("#views-menu-list li")
              if "(opens first)" in li.get_text()]
    assert marked == ["All (opens first)"]
    executed.clear()
    assert client.get("/customers").status_code == 303   # the landing view, from the same read
    assert sum('"list_setting"' in sql for sql in executed) == 1
