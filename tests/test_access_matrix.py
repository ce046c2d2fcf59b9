"""Every endpoint x every role x own and foreign customer: the status code, and that
no foreign customer's name shows up in any answer (pages, fragments, CSV)."""
from decimal import Decimal

import pytest

from data.models import Customer
from tests import factories
from tests.conftest import HTMX, csrf_token, make_user, sign_in, soup

ROLES = ("operator_admin", "operator_viewer", "reseller_staff", "distributor_staff", "billing_clerk")
# Roles that see every customer; staff see only their owner's.
SEES_ALL = ("operator_admin", "operator_viewer", "billing_clerk")
# What each role may change (written out here, not read from data/access.py: this is the spec).
EVERYTHING = {"edit", "status", "money", "password", "delete", "create", "export_file"}
MAY = {"operator_admin": EVERYTHING, "operator_viewer": set(), "reseller_staff": EVERYTHING,
       "distributor_staff": set(), "billing_clerk": {"money"}}
FOREIGN_NAMES = ("Foreign Sub Zed", "Direct Quinn", "Other Reseller Ltd")
# What each staff role must never see, besides FOREIGN_NAMES: the other staff role's side.
NOT_THEIRS = {"reseller_staff": ("Distributed Dora", "Own Distributor Ltd"),
              "distributor_staff": ("Own Sub Alma", "Own Reseller Ltd")}


@pytest.fixture
def world(app):
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


READS = ("/customers/{id}", "/customers/{id}/xdrs", "/customers/{id}/accounts", "/customers/{id}/delete")


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
    ("post", "/customers/{id}/payments", {"amount": "1", "method": "cash"}, "money"),
    ("post", "/customers/{id}/payments", {"amount": "1", "outcome": "failed", "reason": "bounced"}, "money"),
    ("post", "/customers/{id}/charges", {"amount": "1"}, "money"),
    ("post", "/customers/{id}/password", {"password": "a long enough password"}, "password"),
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
         "/customers/owners?scope=distributor&owner=")


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


def test_a_billing_clerk_is_offered_the_money_forms_and_nothing_else(app, world):
    client, _ = client_for(app, world, "billing_clerk")
    c = world["foreign"]  # every customer is theirs to bill
    page = soup(client.get(f"/customers/{c.id}"))
    actions = sorted(form["action"] for form in page.select("#customer-page form") if not form.find_parent(
        "fieldset", disabled=True) and not form.select_one("fieldset[disabled]"))
    assert actions == sorted([f"/customers/{c.id}/payments"] * 2 + [f"/customers/{c.id}/charges"])
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
