"""Money that moves a customer's status: charges, payments, invoices."""
from datetime import timedelta
from decimal import Decimal

from . import clock
from .access import as_viewer
from .db import write_transaction
from .errors import Invalid
from .history import record, snapshot
from .lifecycle import load_for_change
from .money import MoneyError, money_text, parse_money
from .records import Invoice, Payment, Subscription, Xdr
from .text import clean

PAYMENT_METHODS = {"cash": "Cash", "check": "Check"}
FREEZE_AFTER_FAILURES = 3


def _amount(value, field="amount"):
    try:
        amount = parse_money(value)
    except MoneyError as error:
        raise Invalid({field: str(error)}) from None
    if amount is None or amount <= 0:
        raise Invalid({field: "must be more than zero"})
    return amount


def apply_charge(customer, amount, service, description, when, account=None):
    """Charge the customer (an xDR), in the caller's transaction; returns the xDR.

    Prepaid: available funds go down. Postpaid: the balance goes up. Either way
    it counts toward today's spending (which starts again each UTC day).
    """
    if customer.balance_control == "prepaid":
        customer.available_funds -= amount
    else:
        customer.balance += amount
    if customer.spending_date != when.date():
        customer.spending_date = when.date()
        customer.spent_today = Decimal(0)
    customer.spent_today += amount
    xdr = Xdr.create(customer=customer.id, account=account, connect_time=when, service=service,
                     description=description, amount=amount)
    customer.save()
    return xdr


def charge(customer_id, amount, description, who, expected_version=None, now=None):
    """A manual charge by an administrator; returns the customer."""
    amount = _amount(amount)
    now = now or clock.utcnow()
    with write_transaction():
        customer = load_for_change(customer_id, expected_version, who)
        before = snapshot(customer)
        apply_charge(customer, amount, "manual", (clean(description) or "Manual charge")[:200], now)
        record(customer, as_viewer(who).name, "charge", before, extra=[("charge", "", money_text(amount))])
    return customer


def overdue_invoices(customer_id, today, grace_days=0):
    """Unpaid invoices whose due date plus the grace period has passed."""
    return (Invoice.select()
            .where((Invoice.customer == customer_id) & (Invoice.paid < Invoice.amount)
                   & (Invoice.due_on < today - timedelta(days=grace_days)))
            .order_by(Invoice.due_on, Invoice.id))


def grace_days(customer):
    return customer.customer_class.grace_days if customer.customer_class_id else 0


def record_payment(customer_id, amount, method, who, expected_version=None, now=None):
    """A cash or check payment entered by an administrator; returns the customer.

    It settles unpaid invoices, oldest first. When no overdue invoice is left
    unpaid, a suspension ends by itself; a prepaid payment raises the funds.
    """
    amount = _amount(amount)
    if method not in PAYMENT_METHODS:
        raise Invalid({"method": f"must be one of {', '.join(PAYMENT_METHODS)}"})
    now = now or clock.utcnow()
    with write_transaction():
        customer = load_for_change(customer_id, expected_version, who)
        before = snapshot(customer)
        Payment.create(customer=customer.id, amount=amount, method=method, received_at=now)
        if customer.balance_control == "prepaid":
            customer.available_funds += amount
        else:
            customer.balance -= amount
        customer.failed_payments = 0
        left = amount
        for invoice in _unpaid(customer.id):
            if left <= 0:
                break
            part = min(left, invoice.amount - invoice.paid)
            invoice.paid += part
            invoice.save()
            left -= part
        if not overdue_invoices(customer.id, now.date(), grace_days(customer)).exists():
            customer.suspended = False
            customer.suspension_lifted_until = None
        customer.save()
        paid = f"{money_text(amount)} ({method})"
        record(customer, as_viewer(who).name, "payment", before, extra=[("payment", "", paid)])
    return customer


def record_failed_payment(customer_id, amount, reason, who, now=None):
    """A payment that did not go through (declined card, bounced check).

    After FREEZE_AFTER_FAILURES in a row the customer's payments are frozen; an
    administrator unfreezes them once the payment method is fixed.
    """
    amount = _amount(amount)
    now = now or clock.utcnow()
    with write_transaction():
        customer = load_for_change(customer_id, None, who)
        before = snapshot(customer)
        Payment.create(customer=customer.id, amount=amount, method="card", received_at=now,
                       succeeded=False, note=(clean(reason) or "declined")[:200])
        customer.failed_payments += 1
        if customer.failed_payments >= FREEZE_AFTER_FAILURES:
            customer.payment_frozen = True
        customer.save()
        record(customer, as_viewer(who).name, "failed_payment", before)
    return customer


def _unpaid(customer_id):
    return (Invoice.select().where((Invoice.customer == customer_id) & (Invoice.paid < Invoice.amount))
            .order_by(Invoice.due_on, Invoice.id))


def open_invoices(customer_id, today=None):
    """Unpaid invoices, the oldest due first, each with ``to_pay`` (what is left) and
    ``overdue`` (its due date has passed; a suspension waits for the class's grace days too)."""
    today = today or clock.today()
    invoices = list(_unpaid(customer_id))
    for invoice in invoices:
        invoice.to_pay = invoice.amount - invoice.paid
        invoice.overdue = invoice.due_on < today
    return invoices


def subscriptions(customer_id):
    """The customer's subscriptions, running ones first."""
    return list(Subscription.select().where(Subscription.customer == customer_id)
                .order_by(Subscription.ended_on.is_null(False), Subscription.started_on))


def recent_payments(customer_id, limit=20):
    return list(Payment.select().where(Payment.customer == customer_id)
                .order_by(Payment.received_at.desc(), Payment.id.desc()).limit(limit))

