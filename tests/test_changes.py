"""The permissions table and the one change pipeline (data/access.py, data/changes.py),
and the error handlers that map their exceptions to status codes (views/errors.py)."""
from datetime import datetime
from decimal import Decimal

import pytest

from data import changes, users
from data.access import KINDS, PERMISSIONS, ROLES, Forbidden, Viewer
from data.errors import Conflict, Invalid, NotFound, Stale, Terminated
from data.models import Customer
from data.records import History, Payment, User
from tests import factories
from tests.conftest import HTMX, fresh, soup

ADMIN = Viewer("ann", "operator_admin")
CLERK = Viewer("bea", "billing_clerk")


def block(customer):
    customer.blocked = True


def test_every_role_is_a_row_of_the_table_and_every_kind_is_known():
    assert set(ROLES) == set(PERMISSIONS)
    assert all(role.may <= set(KINDS) for role in PERMISSIONS.values())
    # A billing clerk bills: payments and charges, and subscriptions (recurring charges).
    assert CLERK.may("money") and CLERK.may("subscriptions")
    assert not any(CLERK.may(k) for k in KINDS if k not in ("money", "subscriptions"))
    with pytest.raises(ValueError):
        ADMIN.may("mony")  # a typo is an error, not a quiet "no"


def test_a_change_is_saved_with_its_history(database):
    c = factories.customer("Pipe")
    changes.change_customer(c.id, ADMIN, "status", "block", block, expected_version=c.version)
    assert fresh(c).blocked and fresh(c).version == c.version + 1 and fresh(c).status == "blocked"
    rows = {(h.field, h.old_value, h.new_value, h.actor, h.action) for h in History.select()}
    assert ("blocked", "no", "yes", "ann", "block") in rows and ("status", "Active", "Blocked", "ann", "block") in rows


def test_the_checks_come_in_order_reach_permission_version_termination(database):
    reseller = factories.reseller("Res")
    other = factories.customer("Not theirs")
    staff = Viewer("rita", "reseller_staff", reseller.id, reseller.name)
    with pytest.raises(NotFound):  # out of reach: nothing else is said, not even a bad version
        changes.change_customer(other.id, staff, "status", "block", block, expected_version="x")
    with pytest.raises(Forbidden):
        changes.change_customer(other.id, CLERK, "status", "block", block, expected_version="x")
    with pytest.raises(Stale):
        changes.change_customer(other.id, ADMIN, "status", "block", block, expected_version=other.version + 1)
    Customer.update(terminated_at=datetime(2026, 1, 1)).where(Customer.id == other.id).execute()
    with pytest.raises(Terminated):
        changes.change_customer(other.id, ADMIN, "status", "block", block)
    changes.change_customer(other.id, ADMIN, "status", "note", lambda c: None, allow_terminated=True)
    assert not fresh(other).blocked


def test_a_refused_or_skipped_change_writes_nothing(database):
    c = factories.customer("Careful", balance=Decimal("5"))

    def pay_then_refuse(customer):
        Payment.create(customer=customer.id, amount=Decimal("1"), method="cash", received_at=datetime(2026, 1, 1))
        customer.balance -= 1
        raise Invalid({"amount": "no"})

    with pytest.raises(Invalid):
        changes.change_customer(c.id, CLERK, "money", "payment", pay_then_refuse)
    assert changes.change_customer(c.id, ADMIN, "status", "x", lambda c: changes.SKIP).version == c.version
    assert fresh(c).balance == 5 and fresh(c).version == c.version
    assert not Payment.select().exists() and not History.select().exists()


def test_extra_history_rows_follow_the_changed_fields(database):
    c = factories.customer("Extra")
    changes.change_customer(c.id, CLERK, "money", "note", lambda c: [("note", "", "said")])
    assert [(h.field, h.new_value, h.actor) for h in History.select()] == [("note", "said", "bea")]


def test_roles_are_checked_against_the_table(database):
    with pytest.raises(Invalid) as refused:
        users.create_user("zed", "clerk_of_nothing", "a long enough password")
    assert "billing_clerk" in refused.value.errors["role"]
    assert users.create_user("bea", "billing_clerk", "a long enough password").role == "billing_clerk"


def test_create_user_accepts_a_billing_clerk(runner, database):
    result = runner.invoke(args=["create-user", "bea", "--role", "billing_clerk"],
                           input="a long enough password\na long enough password\n")
    assert result.exit_code == 0 and "Created billing clerk “bea”." in result.output, result.output
    assert User.get(User.name == "bea").role == "billing_clerk"
    assert runner.invoke(args=["create-user", "bo", "--role", "billing_clerk", "--reseller", "X"],
                         input="a long enough password\na long enough password\n").exit_code != 0


@pytest.mark.parametrize("error,code,text", [
    (NotFound("gone"), 404, "Customer 7 does not exist (it may have been deleted)."),
    (Stale("Changed by someone else."), 409, "Changed by someone else."),
    (Conflict("Cannot", ["it is terminated"]), 409, "Cannot: it is terminated."),
    (Invalid({"amount": "must be more than zero"}), 422, "must be more than zero"),
    (Forbidden("Billing clerk cannot edit customers"), 403, "Billing clerk cannot edit customers."),
])
def test_data_errors_have_one_status_code_each(app, client, error, code, text):
    def fail(customer_id):
        raise error

    app.add_url_rule("/test-error/<int:customer_id>", "test_error", fail)
    for headers in ({}, HTMX):
        response = client.get("/test-error/7", headers=headers)
        assert response.status_code == code and text in soup(response).get_text(" ", strip=True)
