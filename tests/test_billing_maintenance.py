"""Money flows that drive statuses, and daily maintenance across day boundaries."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from data import billing, clock, history, maintenance
from data.errors import Conflict, Invalid
from data.models import Customer
from data.records import PeriodicCharge, Subscription, Xdr
from tests import factories
from tests.conftest import fresh

START = datetime(2026, 11, 25, 23, 50)


@pytest.fixture
def at(app):
    """Move the clock: at(datetime) or at(days=..., hours=...) from START."""
    def move(moment=None, **delta):
        clock.freeze(moment or START + timedelta(**delta))
        return clock.utcnow()
    move(START)
    yield move
    clock.freeze(None)


def test_prepaid_charges_and_payment(database, at):
    c = factories.customer(balance_control="prepaid", available_funds=Decimal("1.00"))
    billing.charge(c.id, "1.00", "Call", "tester")
    assert fresh(c).status == "no_available_funds" and fresh(c).available_funds == 0
    paid = billing.record_payment(c.id, "5.50", "cash", "tester")
    assert (paid.available_funds, paid.status) == (Decimal("5.5"), "active")


def test_postpaid_charges_exceed_the_credit_limit(database, at):
    c = factories.customer(credit_limit=Decimal("10"), balance=Decimal("9.99"))
    billing.charge(c.id, "0.01", "Call", "tester")
    assert fresh(c).status == "active"
    billing.charge(c.id, "0.01", "Call", "tester")
    assert fresh(c).status == "credit_exceeded"
    assert Xdr.select().where(Xdr.customer == c.id).count() == 2  # each charge is an xDR
    assert billing.record_payment(c.id, "1", "check", "tester").status == "active"


def test_charges_count_toward_todays_spending_and_renew_at_midnight(database, at):
    c = factories.customer(daily_spending_limit=Decimal("5"))
    billing.charge(c.id, "3", "Call", "tester")
    billing.charge(c.id, "2", "Call", "tester")
    assert fresh(c).status == "spending_limit_reached"
    at(days=0, minutes=9, seconds=59)           # 23:59:59: still today
    assert "renew_spending" not in maintenance.run().counts
    at(minutes=10)                              # 00:00:00 UTC
    report = maintenance.run()
    assert report.counts["renew_spending"] == 1
    assert (fresh(c).spent_today, fresh(c).status) == (0, "active")
    assert maintenance.run().counts.get("renew_spending") is None  # idempotent


def test_overdue_invoice_suspends_after_the_grace_period_and_payment_lifts(database, at):
    cls = factories.customer_class(grace_days=2)
    c = factories.customer(customer_class=cls)
    factories.invoice(c, due_on=date(2026, 11, 23), amount=Decimal("40"))
    maintenance.run()
    assert fresh(c).status == "active"          # due 23rd + 2 days grace: not yet
    at(days=1)                                  # the 26th, grace over
    assert maintenance.run().counts["suspend_overdue"] == 1
    assert fresh(c).status == "suspended"
    billing.record_payment(c.id, "30", "cash", "tester")
    assert fresh(c).status == "suspended"       # not covered yet
    billing.record_payment(c.id, "10", "cash", "tester")
    assert fresh(c).status == "active"          # covered: lifted automatically
    assert maintenance.run().counts.get("suspend_overdue") is None


def test_lifted_suspension_ends_after_its_date(database, at):
    from data import lifecycle
    c = factories.customer()
    factories.invoice(c, due_on=date(2026, 11, 1), amount=Decimal("10"))
    maintenance.run()
    lifecycle.perform(c.id, "lift_suspension", "tester", until="2026-11-27")
    assert fresh(c).status == "suspension_lifted"
    at(days=2)                                  # the 27th: still lifted
    maintenance.run()
    assert fresh(c).status == "suspension_lifted"
    at(days=3)                                  # the 28th: unpaid, suspended again
    report = maintenance.run()
    assert report.counts["end_suspension_lift"] == 1 and report.counts["suspend_overdue"] == 1
    assert fresh(c).status == "suspended"


def test_provisional_termination_becomes_permanent_after_reactivation(database, at):
    from data import lifecycle
    cls = factories.customer_class(reactivation_days=30)
    c = factories.customer(customer_class=cls)
    lifecycle.perform(c.id, "provisionally_terminate", "tester")
    at(days=30)
    maintenance.run()
    assert fresh(c).status == "provisionally_terminated"
    at(days=30, seconds=1)
    assert maintenance.run().counts["terminate"] == 1
    assert fresh(c).status == "permanently_terminated"
    with pytest.raises(Conflict):
        billing.record_payment(c.id, "1", "cash", "tester")


def test_repeated_failed_payments_freeze(database, at):
    c = factories.customer()
    for _ in range(2):
        billing.record_failed_payment(c.id, "10", "card declined", "gateway")
    assert fresh(c).status == "active"
    billing.record_failed_payment(c.id, "10", "card declined", "gateway")
    assert fresh(c).status == "payment_frozen"


def test_payment_input_is_checked(database, at):
    c = factories.customer()
    for amount, method in (("0", "cash"), ("-5", "cash"), ("abc", "cash"), ("1.000001", "cash"), ("5", "bitcoin")):
        with pytest.raises(Invalid):
            billing.record_payment(c.id, amount, method, "tester")
    assert fresh(c).balance == 0


def test_periodic_charges_once_a_month_and_the_blocked_rule(database, at):
    cls = factories.customer_class(fees={"USD": "2.50"})
    active = factories.customer("active", customer_class=cls)
    blocked = factories.customer("blocked", customer_class=cls, blocked=True)
    ended = factories.customer("terminated", customer_class=cls, terminated_at=START - timedelta(days=1))
    for c in (active, blocked, ended):
        Subscription.create(customer=c.id, name="Unlimited", fee=Decimal("10"), started_on=date(2026, 1, 1))
    report = maintenance.run()
    assert report.counts == {"subscription_fee": 2, "maintenance_fee": 1}
    assert fresh(active).balance == Decimal("12.5")
    assert fresh(blocked).balance == Decimal("10")       # subscription yes, maintenance no
    assert fresh(ended).balance == 0
    assert maintenance.run().counts == {}                  # once per month, however often it runs
    at(days=6)                                            # December
    # Fees are not usage: nothing counted toward today's spending, so nothing to renew.
    assert maintenance.run().counts == {"subscription_fee": 2, "maintenance_fee": 1}
    assert PeriodicCharge.select().count() == 6
    fees = Xdr.select().where(Xdr.customer == active.id, Xdr.service == "maintenance")
    assert [x.description for x in fees.order_by(Xdr.id)] == ["Maintenance fee: " + cls.name + " (2026-11)",
                                                             "Maintenance fee: " + cls.name + " (2026-12)"]


def test_maintenance_writes_history(database, at):
    c = factories.customer(daily_spending_limit=Decimal("1"))
    billing.charge(c.id, "1", "Call", "tester")
    at(minutes=11)
    maintenance.run()
    actions = [(h.actor, h.action) for h in history.entries(c.id)]
    assert actions[0] == ("maintenance", "renew_spending") and ("tester", "charge") in actions


def test_rederive_everything_fixes_a_stale_status(database, at):
    c = factories.customer()
    Customer.update(status="blocked").where(Customer.id == c.id).execute()  # a wrong stored status
    assert maintenance.run().counts.get("status") is None             # only date-bound ones by default
    assert maintenance.run(everyone=True).counts["status"] == 1
    assert fresh(c).status == "active"


def test_maintenance_command(runner, at):
    result = runner.invoke(args=["maintenance"])
    assert result.exit_code == 0 and "Maintenance done: nothing to do." in result.output


def test_open_invoices_say_what_is_left_and_whether_overdue(database):
    c = factories.customer("Owes Ltd")
    factories.invoice(c, due_on=date(2026, 11, 20), amount=Decimal("40"), paid=Decimal("15.5"))
    factories.invoice(c, due_on=date(2026, 12, 5), amount=Decimal("10"))
    factories.invoice(c, due_on=date(2026, 11, 1), amount=Decimal("5"), paid=Decimal("5"))  # settled
    invoices = billing.open_invoices(c.id, today=date(2026, 11, 26))
    assert [(i.due_on, i.to_pay, i.overdue) for i in invoices] == [
        (date(2026, 11, 20), Decimal("24.5"), True), (date(2026, 12, 5), Decimal("10"), False)]


def test_maintenance_visits_only_customers_past_their_class_limits(database, at, monkeypatch):
    """Customers still inside the reactivation period or the grace days are not even
    locked for a look: the per-class limits are in the query (maintenance runs often)."""
    from data import lifecycle
    patient = factories.customer_class(reactivation_days=30, grace_days=10)
    waiting = factories.customer("Waiting", customer_class=patient)
    lifecycle.perform(waiting.id, "provisionally_terminate", "tester")
    owing = factories.customer("Owing", customer_class=patient)
    factories.invoice(owing, due_on=(START - timedelta(days=3)).date(), amount=Decimal("10"))
    visited = []
    real = maintenance._change

    def spy(customer_id, step, *args):
        visited.append((customer_id, step))
        return real(customer_id, step, *args)

    monkeypatch.setattr(maintenance, "_change", spy)
    at(days=5)
    maintenance.run()
    assert not [v for v in visited if v[1] in ("terminate", "suspend_overdue")]
    at(days=31)
    maintenance.run()
    assert {(waiting.id, "terminate"), (owing.id, "suspend_overdue")} <= set(visited)
    assert fresh(owing).suspended and fresh(waiting).status == "permanently_terminated"


def test_fees_do_not_count_toward_the_daily_spending_limit(database, at):
    """Issue 11.13: a monthly fee above the daily limit must not read "Spending limit reached"."""
    c = factories.customer("Capped", daily_spending_limit=Decimal("20"))
    Subscription.create(customer=c.id, name="Big plan", fee=Decimal("29"), started_on=date(2026, 1, 1))
    assert maintenance.run().counts["subscription_fee"] == 1
    assert (fresh(c).balance, fresh(c).spent_today, fresh(c).status) == (Decimal("29"), 0, "active")
    billing.charge(c.id, "20", "Calls", "tester")       # usage still counts
    assert fresh(c).status == "spending_limit_reached"


BIG = "9999999999999"


def test_sums_past_the_money_limit_are_refused_not_a_crash(database, at):
    """Issue 11.4: each amount fits, their sum does not."""
    c = factories.customer("Rich", balance=Decimal("-" + BIG))
    with pytest.raises(Invalid) as refused:
        billing.record_payment(c.id, "1", "cash", "tester")
    assert "past the largest amount" in refused.value.errors["amount"]
    prepaid = factories.customer("Funded", balance_control="prepaid")
    billing.record_payment(prepaid.id, BIG, "cash", "tester")
    with pytest.raises(Invalid, match="the available funds"):
        billing.record_payment(prepaid.id, BIG, "cash", "tester")
    spender = factories.customer("Spender")
    billing.charge(spender.id, BIG, "Calls", "tester")
    with pytest.raises(Invalid, match="the balance"):
        billing.charge(spender.id, BIG, "Calls", "tester")
    assert (fresh(c).balance, fresh(prepaid).available_funds, fresh(spender).balance) == (
        Decimal("-" + BIG), Decimal(BIG), Decimal(BIG))
    assert Xdr.select().where(Xdr.customer == spender.id).count() == 1  # the refused charge left no xDR


def test_maintenance_goes_on_after_one_customer_fails(database, at, caplog):
    """Issue 11.4: a fee that cannot be added is logged; customers after it still get theirs."""
    full = factories.customer("A Full", balance=Decimal(BIG))
    others = [factories.customer(f"B Other {n}") for n in range(2)]
    for c in (full, *others):
        Subscription.create(customer=c.id, name="Plan", fee=Decimal("10"), started_on=date(2026, 1, 1))
    for _ in range(2):  # and on the next run too
        report = maintenance.run()
        assert report.counts.get("failed") == 1 and "failed: 1" in str(report)
        assert "subscription_fee failed for customer" in caplog.text
    assert [fresh(c).balance for c in others] == [Decimal("10"), Decimal("10")]
    assert fresh(full).balance == Decimal(BIG)
    assert not PeriodicCharge.select().where(PeriodicCharge.customer == full.id).exists()


def test_a_payment_while_frozen_keeps_the_freeze_and_its_count(database, at):
    """Issue 11.14: allowed, and consistent: frozen until "Unfreeze payments"."""
    from data import lifecycle
    c = factories.customer()
    for _ in range(3):
        billing.record_failed_payment(c.id, "10", "card declined", "gateway")
    paid = billing.record_payment(c.id, "10", "cash", "tester")
    assert (paid.payment_frozen, paid.failed_payments, paid.balance, paid.status) == (
        True, 3, Decimal("-10"), "payment_frozen")
    lifecycle.perform(c.id, "unfreeze_payments", "tester")
    assert (fresh(c).payment_frozen, fresh(c).failed_payments) == (False, 0)
    billing.record_failed_payment(c.id, "10", "card declined", "gateway")
    billing.record_payment(c.id, "10", "cash", "tester")   # not frozen: a success ends the run of failures
    assert fresh(c).failed_payments == 0


def test_a_repeated_payment_or_charge_form_records_once(database, at):
    """Issue 11.11: the form's one-time key makes a retry a no-op."""
    from data.records import Payment
    c = factories.customer("Retried")
    key = "k" * 24
    first = billing.record_payment(c.id, "5", "cash", "tester", expected_version=c.version, key=key)
    again = billing.record_payment(c.id, "5", "cash", "tester", expected_version=c.version, key=key)
    assert again.version == first.version and fresh(c).balance == Decimal("-5")
    assert Payment.select().where(Payment.customer == c.id).count() == 1
    with pytest.raises(Conflict, match="already sent with other values"):
        billing.record_payment(c.id, "6", "cash", "tester", key=key)
    other = factories.customer("Other")
    with pytest.raises(Conflict):
        billing.record_payment(other.id, "5", "cash", "tester", key=key)
    billing.charge(c.id, "2", "Setup", "tester", key=key)
    billing.charge(c.id, "2", "Setup", "tester", key=key)
    assert fresh(c).balance == Decimal("-3") and Xdr.select().where(Xdr.customer == c.id).count() == 1
    for _ in range(2):
        billing.record_failed_payment(c.id, "7", "declined", "gateway", key="f" * 24)
    assert fresh(c).failed_payments == 1
    billing.record_payment(c.id, "5", "cash", "tester")     # no key: commands and old clients still work
    with pytest.raises(Invalid):
        billing.record_payment(c.id, "5", "cash", "tester", key="bad key!")


def test_a_retry_racing_the_original_hits_the_unique_key(database, at, monkeypatch):
    """The original is committed between the retry's look-up and its insert."""
    from data.records import Payment
    c = factories.customer("Racing")
    key = "r" * 24
    real = Payment.get_or_none
    calls = []

    def blind_first_look(*args, **kwargs):  # the retry looks before the original commits
        calls.append(1)
        if len(calls) == 1:
            billing.record_payment(c.id, "5", "cash", "original", key=key)
            return None
        return real(*args, **kwargs)

    monkeypatch.setattr(Payment, "get_or_none", blind_first_look)
    retried = billing.record_payment(c.id, "5", "cash", "retry", key=key)
    assert retried.balance == Decimal("-5") and Payment.select().count() == 1
