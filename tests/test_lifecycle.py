"""Status changes: every transition, every refusal, history, and lost-update protection."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from data import clock, history, lifecycle
from data.errors import Conflict, Invalid, NotFound, Stale
from data.models import Customer
from tests import factories
from tests.conftest import fresh

NOW = datetime(2026, 11, 25, 10, 0)


@pytest.fixture(autouse=True)
def frozen(app):
    clock.freeze(NOW)
    yield
    clock.freeze(None)


def act(customer, action, **params):
    return lifecycle.perform(customer.id, action, "tester", **params)


def test_block_and_unblock(database):
    c = factories.customer()
    assert "block" in lifecycle.available_actions(c) and "unblock" not in lifecycle.available_actions(c)
    assert act(c, "block").status == "blocked"
    assert lifecycle.available_actions(fresh(c))[0] == "unblock"
    with pytest.raises(Conflict):
        act(c, "block")  # already blocked: the action is not offered, and refused
    assert act(c, "unblock").status == "active"


def test_lift_suspension_until_a_date(database):
    c = factories.customer(suspended=True)
    assert c.status == "suspended"
    lifted = act(c, "lift_suspension", until="2026-12-01")
    assert (lifted.status, lifted.suspended, lifted.suspension_lifted_until) == (
        "suspension_lifted", False, date(2026, 12, 1))
    for bad in ("2026-11-24", "soon", ""):
        with pytest.raises(Invalid):
            act(c, "lift_suspension", until=bad)
    assert "lift_suspension" not in lifecycle.available_actions(factories.customer())


def test_provisional_termination_and_restore_within_the_class_period(database):
    cls = factories.customer_class(reactivation_days=10)
    c = factories.customer(customer_class=cls)
    assert act(c, "provisionally_terminate").status == "provisionally_terminated"
    assert lifecycle.available_actions(fresh(c)) == ["restore", "permanently_terminate"]
    later = NOW + timedelta(days=10)
    assert "restore" in lifecycle.available_actions(fresh(c), later)
    assert lifecycle.available_actions(fresh(c), later + timedelta(seconds=1)) == ["permanently_terminate"]
    assert act(c, "restore").status == "active"


def test_restore_refused_after_the_reactivation_period(database):
    c = factories.customer(provisionally_terminated_at=NOW - timedelta(days=31))  # default 30 days
    with pytest.raises(Conflict):
        act(c, "restore")


def test_permanent_termination_is_irreversible(database):
    c = factories.customer()
    assert act(c, "permanently_terminate").status == "permanently_terminated"
    assert lifecycle.available_actions(fresh(c)) == []
    for action in lifecycle.ACTIONS:
        with pytest.raises(Conflict):
            act(c, action)


def test_exported_can_only_become_active_or_terminated(database):
    c = factories.customer()
    assert act(c, "export").status == "exported"
    assert lifecycle.available_actions(fresh(c)) == ["activate", "permanently_terminate"]
    with pytest.raises(Conflict):
        act(c, "block")
    assert act(c, "activate").status == "active"


def test_spending_limit_reached_can_be_raised_or_reset(database):
    c = factories.customer(daily_spending_limit=Decimal(20), spent_today=Decimal(25), spending_date=NOW.date())
    assert c.status == "spending_limit_reached"
    assert "reset_spending" in lifecycle.available_actions(c)
    assert act(c, "set_spending_limit", limit="50").status == "active"
    c = factories.customer(daily_spending_limit=Decimal(20), spent_today=Decimal(25), spending_date=NOW.date())
    assert act(c, "reset_spending").status == "active"
    with pytest.raises(Invalid):
        act(c, "set_spending_limit", limit="-1")
    assert "reset_spending" not in lifecycle.available_actions(fresh(c))  # nothing spent today any more
    below = factories.customer(daily_spending_limit=Decimal(20), spent_today=Decimal(5), spending_date=NOW.date())
    assert "reset_spending" in lifecycle.available_actions(below)  # usage can be reset before the limit too
    assert act(c, "set_spending_limit", limit="").daily_spending_limit is None


def test_unfreeze_payments(database):
    c = factories.customer(payment_frozen=True, failed_payments=3)
    done = act(c, "unfreeze_payments")
    assert (done.status, done.payment_frozen, done.failed_payments) == ("active", False, 0)


def test_unknown_action_and_missing_customer(database):
    c = factories.customer()
    with pytest.raises(Invalid):
        act(c, "explode")
    with pytest.raises(NotFound):
        lifecycle.perform(424242, "block", "tester")


def test_history_records_who_what_old_and_new(database):
    c = factories.customer("Audited")
    act(c, "block")
    act(c, "unblock")
    rows = [(r.action, r.field, r.old_value, r.new_value, r.actor) for r in history.entries(c.id)]
    assert [r[0] for r in rows] == ["unblock", "unblock", "block", "block"]  # newest first
    assert set(rows[:2]) == {("unblock", "blocked", "yes", "no", "tester"),
                             ("unblock", "status", "Blocked", "Active", "tester")}
    assert ("block", "status", "Active", "Blocked", "tester") in rows


def test_a_stale_version_is_refused(database):
    c = factories.customer()
    seen = c.version
    act(c, "block")  # someone else's change
    with pytest.raises(Stale):
        lifecycle.perform(c.id, "unblock", "second admin", expected_version=seen)
    assert fresh(c).blocked


def test_concurrent_saves_lose_nothing(database):
    first = Customer.get_by_id(factories.customer().id)
    second = Customer.get_by_id(first.id)
    first.city = "Paris"
    first.save()
    second.city = "Rome"
    with pytest.raises(Stale):
        second.save()
    assert fresh(first).city == "Paris"
