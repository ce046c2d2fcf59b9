"""Every endpoint x every role x own and foreign customer: the status code, and that
no foreign customer's name shows up in any answer (pages, fragments, CSV)."""
from decimal import Decimal

import pytest

from data.models import Customer
from tests import factories
from tests.conftest import HTMX, csrf_token, make_user, sign_in, soup
from tests.snapshots import built_once

ROLES = ("operator_admin", "operator_viewer", "reseller_staff", "distributor_staff", "billing_clerk")
# Roles that see every customer; staff see only their owner's.
SEES_ALL = ("operator_admin", "operator_viewer", "billing_clerk")
# What each role may change (written out here, not read from data/access.py: this is the spec).
EVERYTHING = {"edit", "status", "money", "password", "delete", "create", "export_file", "subscriptions"}
# Customer classes are the operator's: only its administrators change them.
MAY = {"operator_admin": EVERYTHING | {"classes"}, "operator_viewer": set(), "reseller_staff": EVERYTHING,
       "distributor_staff": set(), "billing_clerk": {"money", "subscriptions"}}
FOREIGN_NAMES = ("Foreign Sub Zed", "Direct Quinn", "Other Reseller Ltd")
# What each staff role must never see, besides FOREIGN_NAMES: the other staff role's side.
NOT_THEIRS = {"reseller_staff": ("Distributed Dora", "Own Distributor Ltd"),
              "distributor_staff": ("Own Sub Alma", "Own Reseller Ltd")}


@pytest.fixture
def world(app):
    def make():
        r1 = factories.reseller("Own Reseller Ltd")
        r2 = factories.reseller("Other Reseller Ltd")
        d1 = factories.distributor("Own Distributor Ltd")
        own_sub = factories.customer("Own Sub Alma", reseller=r1, login="alma", balance=Decimal("5"))
        own_dist = factories.customer("Distributed Dora", distributor=d1, login="dora")
        foreign = factories.customer("Foreign Sub Zed", reseller=r2, login="zed")
        direct = factories.customer("Direct Quinn", login="quinn")
        for c in (own_sub, own_dist, foreign, direct):
            factories.account(c)
        return {"r1": r1, "d1": d1, "own_sub": own_sub, "own_dist": own_dist, "foreign": foreign, "direct": direct}
    return built_once("access_matrix.world", make)


def client_for(app, world, role):
    owner = {"reseller_staff": world["r1"], "distributor_staff": world["d1"]}.get(role)
    user = make_user(f"user-{role}", role, owner)
    client = sign_in(app.test_client(), user)
    return client, csrf_token(client)


def own_customer(world, role):
    return world["own_dist"] if role == "distributor_staff" else world["own_sub"]


def expected_read(role, mine):
    return 200 if mine or role in SEES_ALL else 404


def expected_write(role, mine, kind):
    if not (mine or role in SEES_ALL):
        return 404
    return "ok" if kind in MAY[role] else 403


READS = ("/customers/{id}", "/customers/{id}/xdrs", "/customers/{id}/accounts", "/customers/{id}/delete",
         "/customers/{id}/quick-look")  # the list with the quick look open (htmx: the panel)


def no_foreign_names(body, role):
    if role in SEES_ALL:
        return True
    return not any(name in body for name in FOREIGN_NAMES + NOT_THEIRS[role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("whose", ["own", "foreign"])
@pytest.mark.parametrize("path", READS)
def test_reading_a_customer(app, world, role, whose, path):
    client, _ = client_for(app, world, role)
    customer = own_customer(world, role) if whose == "own" else world["foreign"]
    mine = whose == "own"
    for headers in ({}, HTMX):
        response = client.get(path.format(id=customer.id), headers=headers)
        assert response.status_code == expected_read(role, mine), (path, role, whose, headers)
        assert no_foreign_names(response.get_data(as_text=True), role)


WRITES = (  # method, path, form, the kind of change it is
    ("post", "/customers/{id}/status", {"action": "block"}, "status"),
    ("post", "/customers/{id}/status", {"action": "block", "row": "1"}, "status"),
    ("post", "/customers/{id}/status", {"action": "block", "look": "1"}, "status"),   # from the quick look
    ("post", "/customers/{id}/payments", {"amount": "1", "method": "cash"}, "money"),
    ("post", "/customers/{id}/payments", {"amount": "1", "outcome": "failed", "reason": "bounced"}, "money"),
    ("post", "/customers/{id}/charges", {"amount": "1"}, "money"),
    ("post", "/customers/{id}/password", {"password": "a long enough password"}, "password"),
    ("post", "/customers/{id}/subscriptions", {"name": "Plan", "fee": "5"}, "subscriptions"),
    ("post", "/customers/{id}/export-file", {}, "export_file"),
    ("post", "/customers/{id}", {"name": "Renamed", "currency": "USD"}, "edit"),
    ("post", "/customers/{id}/delete", {}, "delete"),
    ("delete", "/customers/{id}", {}, "delete"),
)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("whose", ["own", "foreign"])
@pytest.mark.parametrize("method,path,data,kind", WRITES)
def test_changing_a_customer(app, world, role, whose, method, path, data, kind):
    client, token = client_for(app, world, role)
    customer = own_customer(world, role) if whose == "own" else world["foreign"]
    customer = Customer.get_by_id(customer.id)
    if path.endswith("/delete") or method == "delete":
        # Deleting needs a customer without records: a fresh one in the same reach.
        customer = factories.customer(f"Deletable {role} {whose}", reseller=customer.reseller_id,
                                      distributor=customer.distributor_id)
    before = (customer.version, Customer.select().count())
    headers = {**HTMX, "X-CSRFToken": token}
    form = {**data, "version": customer.version, "csrf_token": token}
    if method == "delete":
        response = client.delete(path.format(id=customer.id), headers=headers)
    else:
        response = client.post(path.format(id=customer.id), data=form, headers=headers)
    expected = expected_write(role, whose == "own", kind)
    if expected == "ok":
        assert response.status_code in (200, 303), (role, whose, path, response.status_code)
    else:
        assert response.status_code == expected, (role, whose, path, response.status_code)
        after = Customer.get_or_none(Customer.id == customer.id)
        assert after is not None and (after.version, Customer.select().count()) == before  # nothing changed
    assert no_foreign_names(response.get_data(as_text=True), role)


LISTS = ("/customers", "/customers?scope=all", "/customers?q=sub", "/customers?scope=all&flt0_login_is_not_empty=",
         "/customers.csv?scope=all", "/customers.csv", "/customers/owners?scope=reseller&owner=",
         "/customers/owners?scope=distributor&owner=", "/activity", "/activity.csv",
         "/customers/status-counts?scope=all", "/customers/status-counts", "/customers/totals?scope=all",
         "/customers/totals?scope=all&q=e", "/customers/status-counts?scope=all&flt0_status_in=active,blocked")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", LISTS)
def test_lists_counts_and_exports_stay_in_reach(app, world, role, path):
    client, _ = client_for(app, world, role)
    for headers in ({}, HTMX):
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 400), (path, role)
        body = response.get_data(as_text=True)
        assert no_foreign_names(body, role), (path, role)
        assert "Traceback" not in body


@pytest.mark.parametrize("role,visible", [("reseller_staff", ["Own Sub Alma"]),
                                          ("distributor_staff", ["Distributed Dora"]),
                                          ("operator_viewer", None), ("billing_clerk", None)])
def test_each_role_sees_exactly_its_customers(app, world, role, visible):
    client, _ = client_for(app, world, role)
    rows = [a.get_text(strip=True) for a in soup(client.get("/customers?scope=all")).select("tbody td.id-col a")]
    count = soup(client.get("/customers?scope=all")).find(id="result-count").get_text()
    if visible is None:
        assert len(rows) == 7 and count.startswith("7 customers")
    else:
        default = [a.get_text(strip=True) for a in soup(client.get("/customers")).select("tbody td.id-col a")]
        assert default == visible  # their own customers by default
        assert rows == [] or rows == visible
        lines = client.get("/customers.csv").get_data(as_text=True).splitlines()[1:]
        csv_names = [line.split(",")[0] for line in lines]
        assert csv_names == visible


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("whose", ["own", "foreign"])
def test_the_inline_status_menu_is_for_those_who_may_change(app, world, role, whose):
    client, _ = client_for(app, world, role)
    customer = own_customer(world, role) if whose == "own" else world["foreign"]
    path = f"/customers/{customer.id}/status-menu"
    expected = expected_write(role, whose == "own", "status")
    menu = client.get(path, headers=HTMX)
    assert menu.status_code == (200 if expected == "ok" else expected), (role, whose)
    assert no_foreign_names(menu.get_data(as_text=True), role)
    if expected == "ok":  # without htmx: the customer's own Status section
        page = client.get(path)
        assert page.status_code == 302 and page.headers["Location"] == f"/customers/{customer.id}#status"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("whose", ["own", "foreign"])
def test_a_bad_status_action_reveals_nothing_out_of_reach(app, world, role, whose):
    """Reach is checked before the parameters: a wrong action on someone else's customer
    is a 404 like any other, never their row with an error message."""
    client, token = client_for(app, world, role)
    customer = own_customer(world, role) if whose == "own" else world["foreign"]
    response = client.post(f"/customers/{customer.id}/status", headers={**HTMX, "X-CSRFToken": token},
                           data={"action": "bogus", "row": "1", "version": customer.version})
    expected = expected_write(role, whose == "own", "status")
    assert response.status_code == (422 if expected == "ok" else expected), (role, whose)
    assert no_foreign_names(response.get_data(as_text=True), role)
    missing = client.post("/customers/999999/status", headers={**HTMX, "X-CSRFToken": token},
                          data={"action": "bogus", "row": "1"})
    assert missing.status_code == 404


def test_staff_create_customers_for_their_own_reseller_only(app, world):
    client, token = client_for(app, world, "reseller_staff")
    response = client.post("/customers/new", data={"csrf_token": token, "name": "Staff Made", "currency": "USD",
                                                   "reseller": "Other Reseller Ltd", "customer_type": "reseller"})
    assert response.status_code == 303
    made = Customer.get(Customer.name == "Staff Made")
    assert made.reseller_id == world["r1"].id and made.customer_type == "retail"


def test_read_only_roles_cannot_create(app, world):
    for role in ("operator_viewer", "distributor_staff", "billing_clerk"):
        client, token = client_for(app, world, role)
        response = client.post("/customers/new", data={"csrf_token": token, "name": f"By {role}", "currency": "USD"})
        assert response.status_code == 403
    assert not Customer.select().where(Customer.name.startswith("By ")).exists()


def test_history_records_the_signed_in_user(app, world):
    from data import history
    client, token = client_for(app, world, "reseller_staff")
    c = world["own_sub"]
    client.post(f"/customers/{c.id}/status", data={"csrf_token": token, "action": "block", "version": c.version})
    assert history.entries(c.id)[0].actor == "user-reseller_staff"


@pytest.mark.parametrize("role", ["reseller_staff", "distributor_staff"])
def test_a_foreign_scope_looks_like_one_that_does_not_exist(app, world, role):
    client, _ = client_for(app, world, role)
    foreign = client.get("/customers?scope=reseller:Other Reseller Ltd")
    missing = client.get("/customers?scope=reseller:No Such Reseller")
    assert foreign.status_code == missing.status_code == 400
    strip = lambda r, name: soup(r).select_one("#results").get_text(" ", strip=True).replace(name, "NAME")  # noqa: E731
    assert strip(foreign, "Other Reseller Ltd") == strip(missing, "No Such Reseller")


def test_a_billing_clerk_is_offered_the_money_and_subscription_forms_and_nothing_else(app, world):
    client, _ = client_for(app, world, "billing_clerk")
    c = world["foreign"]  # every customer is theirs to bill
    page = soup(client.get(f"/customers/{c.id}"))
    actions = sorted(form["action"] for form in page.select("#customer-page form") if not form.find_parent(
        "fieldset", disabled=True) and not form.select_one("fieldset[disabled]"))
    assert actions == sorted([f"/customers/{c.id}/payments"] * 2 + [f"/customers/{c.id}/charges",
                                                                     f"/customers/{c.id}/subscriptions"])
    assert page.select_one("form.customer-form fieldset[disabled]") is not None  # the fields: read only
    assert page.select_one("details.change-status") is None and page.select_one("a.danger") is None
    assert "You can record payments and charges" in page.get_text()
    listing = soup(client.get("/customers?scope=all"))
    assert listing.select_one("a.row-status-link, a.delete, a.delete-blocked") is None
    assert "New customer" not in listing.get_text()


def test_a_billing_clerk_is_told_what_the_role_cannot_do(app, world):
    client, token = client_for(app, world, "billing_clerk")
    c = world["direct"]
    response = client.post(f"/customers/{c.id}/password", headers={**HTMX, "X-CSRFToken": token},
                           data={"password": "a long enough password", "version": c.version})
    assert response.status_code == 403
    assert "Billing clerk cannot set web self-care passwords" in soup(response).get_text()


# Users and My account (issue 14): only operator administrators manage users (reseller
# staff do not manage even their colleagues: a mature product keeps that with the
# operator until a reseller-administrator role exists); everyone has My account.
MANAGES_USERS = {"operator_admin"}
USER_PAGES = ("/users", "/users/new", "/users/{id}", "/users/owner-options?role=reseller_staff&owner=a")
USER_WRITES = (("/users/new", {"name": "made", "role": "billing_clerk", "password": "a long enough password"}),
               ("/users/{id}/role", {"role": "billing_clerk"}),
               ("/users/{id}/disable", {}), ("/users/{id}/enable", {}), ("/users/{id}/password", {}),
               ("/users/{id}/two-factor/off", {}), ("/users/two-factor", {"required": "everyone"}))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", USER_PAGES)
def test_the_users_pages(app, world, role, path):
    client, _ = client_for(app, world, role)
    target = make_user("target", "operator_viewer")
    for headers in ({}, HTMX):
        response = client.get(path.format(id=target.id), headers=headers)
        assert response.status_code == (200 if role in MANAGES_USERS else 403), (role, path)
    nav = soup(client.get("/customers")).select_one('header a[href="/users"]')
    assert (nav is not None) == (role in MANAGES_USERS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path,data", USER_WRITES)
def test_changing_users(app, world, role, path, data):
    from data import two_factor
    from data.records import User
    client, token = client_for(app, world, role)
    target = make_user("target", "operator_viewer")
    User.update(totp_secret="A" * 32).where(User.id == target.id).execute()

    def users_now():
        return [(u.name, u.role, u.disabled_at, u.password_hash, u.totp_secret)
                for u in User.select().order_by(User.id)]

    before = users_now()
    response = client.post(path.format(id=target.id), data={"csrf_token": token, **data})
    if role in MANAGES_USERS:
        assert response.status_code in (200, 303), (role, path)
    else:
        assert response.status_code == 403, (role, path)
        assert users_now() == before and not two_factor.requirement().everyone


@pytest.mark.parametrize("role", ROLES)
def test_everyone_has_my_account(app, world, role):
    client, token = client_for(app, world, role)
    page = soup(client.get("/account"))
    assert page.select_one("h1").get_text() == "My account"
    assert page.select_one('header a[href="/account"]').get_text() == f"user-{role}"
    assert client.get("/account/two-factor").status_code == 200
    assert client.post("/account/sessions/end-others", data={"csrf_token": token}).status_code == 303
    assert no_foreign_names(client.get("/account").get_data(as_text=True), role)
ACTIVITY = ("/activity", "/activity.csv", "/activity?customer=Zed", "/activity?customer=Quinn",
            "/activity?user=user-operator_admin", "/activity?action=edit&source=web", "/activity.csv?customer=Sub")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ACTIVITY)
def test_the_activity_log_stays_in_reach(app, world, role, path):
    """Every role reads the log (each customer's page shows its history to whoever
    reaches it); staff see only the entries about their own customers, a deleted
    one's included."""
    from data import deletion, history
    from data.access import Viewer
    admin = Viewer("user-operator_admin", "operator_admin", source="web")
    for c in Customer.select():
        history.record(c, admin, "edit", extra=[("city", "", "Paris")])
    own = own_customer(world, role) if role not in SEES_ALL else world["own_sub"]
    gone = factories.customer(f"Gone Own {role}", reseller=own.reseller_id, distributor=own.distributor_id)
    history.record(gone, admin, "create")
    deletion.delete_customer(gone.id, admin)
    client, _ = client_for(app, world, role)
    for headers in ({}, HTMX):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, role)
        body = response.get_data(as_text=True)
        assert no_foreign_names(body, role), (path, role)
    if path in ("/activity", "/activity.csv"):
        assert own.name in body and gone.name in body, (path, role)
        if role in SEES_ALL:
            assert all(name in body for name in FOREIGN_NAMES), (path, role)
@pytest.mark.parametrize("role", ROLES)
def test_status_counts_and_totals_stay_in_reach(app, world, role):
    """Staff count and add up only their own customers, whatever scope they ask for."""
    client, _ = client_for(app, world, role)
    counts = soup(client.get("/customers/status-counts?scope=all", headers=HTMX))
    total = sum(int(n.get_text().replace(",", "")) for n in counts.select(".chip-count"))
    rows = soup(client.get("/customers/totals?scope=all", headers=HTMX)).select("table.totals tbody tr")
    customers = {tr.th.get_text(strip=True): tr.select_one("td").get_text(strip=True) for tr in rows}
    if role in SEES_ALL:
        assert total == 7 and customers == {"USD": "7"}
    else:
        assert total == 1 and customers == {"USD": "1"}  # Own Sub Alma, or Distributed Dora
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("whose", ["own", "foreign"])
def test_ending_a_subscription(app, world, role, whose):
    from data.records import Subscription
    client, token = client_for(app, world, role)
    customer = Customer.get_by_id((own_customer(world, role) if whose == "own" else world["foreign"]).id)
    sub = Subscription.create(customer=customer.id, name="Plan", fee=Decimal("5"),
                              started_on=customer.created_at.date())
    response = client.post(f"/customers/{customer.id}/subscriptions/{sub.id}/end",
                           headers={**HTMX, "X-CSRFToken": token},
                           data={"csrf_token": token, "version": customer.version})
    expected = expected_write(role, whose == "own", "subscriptions")
    if expected == "ok":
        assert response.status_code == 200 and Subscription.get_by_id(sub.id).ended_on is not None
    else:
        assert response.status_code == expected and Subscription.get_by_id(sub.id).ended_on is None
    assert no_foreign_names(response.get_data(as_text=True), role)


@pytest.fixture
def gold(world):
    """A class used by a customer of every reach, so a count would tell if reach leaked."""
    cls = factories.customer_class("Gold", fees={"USD": "2"})
    for name in ("own_sub", "own_dist", "foreign", "direct"):
        Customer.update(customer_class=cls.id).where(Customer.id == world[name].id).execute()
    return cls


@pytest.mark.parametrize("role", ROLES)
def test_the_class_pages(app, world, gold, role):
    """Every role reads the class pages (staff count only their own customers); only operator
    administrators open the new-class form or change a class; nobody sees a foreign name."""
    from data.models import CustomerClass
    client, token = client_for(app, world, role)
    counts = {"reseller_staff": "1", "distributor_staff": "1"}.get(role, "4")
    for path in ("/classes", f"/classes/{gold.id}"):
        for headers in ({}, HTMX):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, role)
            assert no_foreign_names(response.get_data(as_text=True), role)
    assert soup(client.get("/classes")).select("table.classes tbody td")[-1].get_text(strip=True) == counts
    may = "classes" in MAY[role]
    assert client.get("/classes/new").status_code == (200 if may else 403)
    headers = {**HTMX, "X-CSRFToken": token}
    for path, form in ((f"/classes/{gold.id}", {"name": "Gold", "grace_days": "1", "fee_currency_0": "USD",
                                                "fee_amount_0": "2"}),
                       (f"/classes/{gold.id}/retire", {}), (f"/classes/{gold.id}/reinstate", {}),
                       ("/classes/new", {"name": f"New by {role}"})):
        version = CustomerClass.get_by_id(gold.id).version
        response = client.post(path, headers=headers, data={**form, "version": version, "csrf_token": token})
        assert response.status_code in ((200, 303) if may else (403,)), (path, role, response.status_code)
    unused = factories.customer_class(f"Unused {role}")
    response = client.post(f"/classes/{unused.id}/delete", headers=headers, data={"csrf_token": token})
    assert response.status_code == (204 if may else 403)
    after = CustomerClass.get_by_id(gold.id)
    assert (after.grace_days == 1) is may and after.retired_at is None
    assert CustomerClass.select().where(CustomerClass.name == f"New by {role}").exists() is may
    assert CustomerClass.select().where(CustomerClass.id == unused.id).exists() is not may
# Bulk actions (issue 13): action, the kind of change it is (None: reading only).
BULK = (("block", "status"), ("permanently_terminate", "status"), ("delete", "delete"), ("export", None))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("selection", ["all", "foreign_ticked"])
@pytest.mark.parametrize("action,kind", BULK)
def test_bulk_actions_do_only_what_the_role_may_within_reach(app, world, role, selection, action, kind):
    from data.bulk_records import BulkJob
    client, token = client_for(app, world, role)
    foreign = world["foreign"]
    before = {c.id: c.version for c in Customer.select()}
    fields = {"csrf_token": token, "search": "scope=all", "action": action, "back": "/customers"}
    if selection == "all":
        fields["selection"] = "all"
    else:
        fields.update(selection="ticked", id=[foreign.id, world["direct"].id])
    preview = client.post("/customers/bulk/preview", data=fields)
    start = client.post("/customers/bulk", data={**fields, "confirmation": "x"})
    allowed = kind is None or kind in MAY[role]
    if not allowed:
        assert (preview.status_code, start.status_code) == (403, 403), (role, action)
        assert BulkJob.select().count() == 0
    else:
        assert preview.status_code == 200, (role, action, preview.status_code)
        assert start.status_code in (303, 422), (role, action, start.status_code)
    for response in (preview, start):
        assert no_foreign_names(response.get_data(as_text=True), role), (role, action)
    if kind is not None and role not in SEES_ALL:
        # Whatever ran, nothing outside the staff's reach changed (nor was deleted).
        for customer_id in (foreign.id, world["direct"].id):
            after = Customer.get_or_none(Customer.id == customer_id)
            assert after is not None and after.version == before[customer_id], (role, action)
    if kind is None and allowed:
        csv_text = client.get("/customers/bulk/export.csv", query_string={
            "search": "scope=all", "selection": fields["selection"], "id": fields.get("id", [])}).get_data(as_text=True)
        assert no_foreign_names(csv_text, role)


@pytest.mark.parametrize("role", ROLES)
def test_bulk_jobs_are_seen_only_by_who_started_them(app, world, role):
    from data.access import Viewer
    from data.bulk_jobs import create
    job = create(Viewer("someone-else", "operator_admin"), "block", "", "scope=all", [], "all", 7)
    client, token = client_for(app, world, role)
    expected = 200 if role == "operator_admin" else 404
    for path in (f"/customers/bulk/{job.id}", f"/customers/bulk/{job.id}.csv"):
        assert client.get(path).status_code == expected, (role, path)
    cancel = client.post(f"/customers/bulk/{job.id}/cancel", data={"csrf_token": token})
    assert cancel.status_code == (303 if role == "operator_admin" else 404)
    assert client.get("/customers/bulk").status_code == 200


# Saved views and list columns (issue 13): every role has its own; a shared view is seen by the
# owner's team only (operator's people: no owner), read-only; another team's is not revealed.
OPERATOR_TEAM = ("operator_admin", "operator_viewer", "billing_clerk")


@pytest.mark.parametrize("role", ROLES)
def test_saved_views_and_columns(app, world, role):
    from data import saved_views
    from data.view_records import SavedView
    someone = make_user("someone-else", "operator_admin")
    shared = saved_views.save(someone, "Other Reseller list", "scope=reseller%3AOther+Reseller+Ltd", shared=True)
    client, token = client_for(app, world, role)
    for path in ("/customers/views", "/customers/views?save=scope%3Dall", "/customers/columns"):
        response = client.get(path)
        assert response.status_code == 200, (role, path)
        assert no_foreign_names(response.get_data(as_text=True), role)
    teammate = role in OPERATOR_TEAM
    assert client.get(f"/customers?view={shared.id}").status_code == (303 if teammate else 404)
    assert client.post(f"/customers/views/{shared.id}", data={"csrf_token": token, "name": "x"}).status_code == (
        403 if teammate else 404)
    assert client.post(f"/customers/views/{shared.id}/delete", data={"csrf_token": token}).status_code == (
        403 if teammate else 404)
    assert SavedView.get_by_id(shared.id).name == "Other Reseller list"
    # Everyone saves and opens their own; a foreign scope cannot be saved by staff.
    saved = client.post("/customers/views", data={"csrf_token": token, "name": "Mine", "save": "scope=all"})
    assert saved.status_code == 303, role
    opened = client.get(saved.location)
    assert opened.status_code == 303
    assert no_foreign_names(client.get(opened.location).get_data(as_text=True), role)
    foreign = client.post("/customers/views", data={"csrf_token": token, "name": "Theirs",
                                                    "save": "scope=reseller:Other Reseller Ltd"})
    assert foreign.status_code == (303 if role in SEES_ALL else 422), role
    if role not in SEES_ALL:  # what they typed comes back, told as a reseller that does not exist
        assert "there is no reseller named “Other Reseller Ltd”" in foreign.get_data(as_text=True)
    mine = SavedView.get((SavedView.name == "Mine") & (SavedView.user != someone.id))
    assert client.post(f"/customers/views/{mine.id}", data={"csrf_token": token, "name": "Renamed"}).status_code == 303
    assert client.post("/customers/views/landing", data={"csrf_token": token, "view": mine.id}).status_code == 303
    assert client.post(f"/customers/views/{mine.id}/delete", data={"csrf_token": token}).status_code == 303
    columns = client.post("/customers/columns", data={"csrf_token": token, "order": ["name", "owner", *(
        k for k in ("xdrs", "accounts", "currency", "balance_control", "available_funds", "balance", "credit_limit",
                    "email", "status", "delete", "company_name", "country", "customer_class", "phone", "created_at",
                    "last_change"))], "show": ["name", "owner", "company_name"], "density": "compact"})
    assert columns.status_code == 303
    for headers in ({}, HTMX):
        response = client.get("/customers?scope=all", headers=headers)
        assert response.status_code == 200
        assert no_foreign_names(response.get_data(as_text=True), role)
# Imports (issue 14): a file sets any owner, opening balances and classes, so only the
# operator's administrators import; everyone else gets 403 on every import URL.
IMPORTS = {"operator_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_imports_are_for_operator_administrators_only(app, world, role, tmp_path):
    import io

    import jobs
    from data.access import Viewer
    from data.import_records import CustomerImport
    from data.imports import create

    app.config["IMPORT_FOLDER"] = str(tmp_path)
    jobs.configure(app.config, app.instance_path)
    (tmp_path / "waiting.csv").write_text("name,currency\nNew Nora,USD\n")
    waiting = create(Viewer("someone-else", "operator_admin"), "w.csv", 30, "waiting.csv", "")
    CustomerImport.update(state="ready", lines=1).where(CustomerImport.id == waiting.id).execute()
    client, token = client_for(app, world, role)
    allowed = role in IMPORTS
    for path in ("/imports", f"/imports/{waiting.id}"):
        assert client.get(path).status_code == (200 if allowed else 403), (role, path)
    sent = client.post("/imports", content_type="multipart/form-data", data={
        "csrf_token": token, "encoding": "", "file": (io.BytesIO(b"name,currency\nUp Ulla,USD\n"), "u.csv")})
    assert sent.status_code == (303 if allowed else 403)
    assert CustomerImport.select().count() == (2 if allowed else 1)
    assert list(tmp_path.glob("upload-*")) == ([] if not allowed else list(tmp_path.glob("upload-*")))
    for action in ("import", "check", "discard"):
        answer = client.post(f"/imports/{waiting.id}/{action}", data={"csrf_token": token, "encoding": ""})
        assert answer.status_code in ((303, 409) if allowed else (403,)), (role, action)
    assert Customer.select().where(Customer.name == "New Nora").exists() == allowed
    nav = [a.get_text(strip=True) for a in soup(client.get("/customers")).select("header nav a")]
    assert ("Imports" in nav) == allowed
    app.config["IMPORT_FOLDER"] = None
    jobs.configure(app.config, app.instance_path)
