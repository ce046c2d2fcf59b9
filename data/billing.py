"""Money that moves a customer's status: charges, payments, invoices."""
import re
from datetime import timedelta
from decimal import Decimal

from peewee import IntegrityError

from . import clock
from .changes import change_customer, load
from .errors import Conflict, Invalid
from .money import MoneyError, check_amount, money_text, parse_money
from .records import Invoice, Payment, Subscription, Xdr
from .text import clean

PAYMENT_METHODS = {"cash": "Cash", "check": "Check"}
FREEZE_AFTER_FAILURES = 3
# The one-time key a payment or charge form carries (views make a random one per form).
_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
# The sums a charge or payment moves, and how a message names them.
TOTALS = (("balance", "the balance"), ("available_funds", "the available funds"),
          ("spent_today", "today's spending"))


def _amount(value, field="amount"):
    try:
        amount = parse_money(value)
    except MoneyError as error:
        raise Invalid({field: str(error)}) from None
    if amount is None or amount <= 0:
        raise Invalid({field: "must be more than zero"})
    return amount


def _request_key(value):
    """The form's one-time key, or None when the caller sent none (commands, tests)."""
    key = (value or "").strip()
    if key and not _KEY.fullmatch(key):
        raise Invalid({"key": "this form is damaged: reload the page and enter it again"})
    return key or None


def check_totals(customer):
    """Raise ``MoneyError`` if a sum of the customer's went past what can be stored.

    Every amount is checked when it is typed; this checks what adding them up
    made, before the customer is written (where it would be an error nobody handles).
    """
    for name, what in TOTALS:
        check_amount(getattr(customer, name), what)


def apply_charge(customer, amount, service, description, when, account=None, usage=True, request_key=None):
    """Charge the customer (an xDR), in the caller's transaction; returns the xDR.

    Prepaid: available funds go down. Postpaid: the balance goes up. A usage
    charge (``usage``) also counts toward today's spending (which starts again
    each UTC day); periodic fees do not: the daily spending limit guards usage.
    Raises ``MoneyError`` (nothing written) if a sum would pass the money limit.
    """
    if customer.balance_control == "prepaid":
        customer.available_funds -= amount
    else:
        customer.balance += amount
    if usage:
        if customer.spending_date != when.date():
            customer.spending_date = when.date()
            customer.spent_today = Decimal(0)
        customer.spent_today += amount
    check_totals(customer)
    xdr = Xdr.create(customer=customer.id, account=account, connect_time=when, service=service,
                     description=description, amount=amount, request_key=request_key)
    customer.save()
    return xdr


def _once(key, find, change, customer_id, who):
    """Run ``change()`` (a write transaction) unless ``find()`` shows this form's key
    was used already: then the earlier result stands and the customer is returned.

    ``find()`` returns None (key unused), True (used for the same thing) or False
    (used for something else). A retry racing the original hits the unique index.
    """
    def earlier():
        used = find()
        if used is None:
            return None
        customer = load(customer_id, who, "money", allow_terminated=True)
        if not used:
            raise Conflict("This form was already sent with other values",
                           ["reload the page to see what was recorded"])
        return customer

    done = earlier() if key is not None else None
    if done is not None:
        return done
    try:
        return change()
    except IntegrityError:
        done = earlier() if key is not None else None
        if done is None:
            raise
        return done


def charge(customer_id, amount, description, who, expected_version=None, now=None, key=None):
    """A manual charge by an administrator; returns the customer.

    ``key`` (the form's one-time key) makes a repeated request a no-op.
    """
    amount = _amount(amount)
    key = _request_key(key)
    now = now or clock.utcnow()

    def charge_it(customer):
        try:
            apply_charge(customer, amount, "manual", (clean(description) or "Manual charge")[:200], now,
                         request_key=key)
        except MoneyError as error:
            raise Invalid({"amount": str(error)}) from None
        return [("charge", "", money_text(amount))]

    def change():
        return change_customer(customer_id, who, "money", "charge", charge_it, expected_version)

    def find():
        xdr = Xdr.get_or_none(Xdr.request_key == key)
        return None if xdr is None else (xdr.customer_id == customer_id and xdr.amount == amount)

    return _once(key, find, change, customer_id, who)


def overdue_invoices(customer_id, today, grace_days=0):
    """Unpaid invoices whose due date plus the grace period has passed."""
    return (Invoice.select()
            .where((Invoice.customer == customer_id) & (Invoice.paid < Invoice.amount)
                   & (Invoice.due_on < today - timedelta(days=grace_days)))
            .order_by(Invoice.due_on, Invoice.id))


def grace_days(customer):
    return customer.customer_class.grace_days if customer.customer_class_id else 0


def record_payment(customer_id, amount, method, who, expected_version=None, now=None, key=None):
    """A cash or check payment entered by an administrator; returns the customer.

    It settles unpaid invoices, oldest first. When no overdue invoice is left
    unpaid, a suspension ends by itself; a prepaid payment raises the funds.
    It ends a run of failed payments, but frozen payments stay frozen (and keep
    their count) until an administrator unfreezes them. ``key`` (the form's
    one-time key) makes a repeated request a no-op.
    """
    amount = _amount(amount)
    if method not in PAYMENT_METHODS:
        raise Invalid({"method": f"must be one of {', '.join(PAYMENT_METHODS)}"})
    key = _request_key(key)
    now = now or clock.utcnow()

    def pay(customer):
        Payment.create(customer=customer.id, amount=amount, method=method, received_at=now, request_key=key)
        if customer.balance_control == "prepaid":
            customer.available_funds += amount
        else:
            customer.balance -= amount
        try:
            check_totals(customer)
        except MoneyError as error:
            raise Invalid({"amount": str(error)}) from None
        if not customer.payment_frozen:
            customer.failed_payments = 0
        _settle(customer.id, amount)
        if not overdue_invoices(customer.id, now.date(), grace_days(customer)).exists():
            customer.suspended = False
            customer.suspension_lifted_until = None
        return [("payment", "", f"{money_text(amount)} ({method})")]

    def change():
        return change_customer(customer_id, who, "money", "payment", pay, expected_version)

    return _once(key, _payment_finder(key, customer_id, amount, method, True), change, customer_id, who)


def _settle(customer_id, amount):
    """Pay unpaid invoices with ``amount``, oldest due first."""
    left = amount
    for invoice in _unpaid(customer_id):
        if left <= 0:
            break
        part = min(left, invoice.amount - invoice.paid)
        invoice.paid += part
        invoice.save()
        left -= part


def _payment_finder(key, customer_id, amount, method, succeeded):
    def find():
        payment = Payment.get_or_none(Payment.request_key == key)
        if payment is None:
            return None
        return (payment.customer_id, payment.amount, payment.method, payment.succeeded) == (
            customer_id, amount, method, succeeded)
    return find


def record_failed_payment(customer_id, amount, reason, who, now=None, key=None):
    """A payment that did not go through (declined card, bounced check).

    After FREEZE_AFTER_FAILURES in a row the customer's payments are frozen; an
    administrator unfreezes them once the payment method is fixed. ``key`` makes
    a repeated request a no-op.
    """
    amount = _amount(amount)
    key = _request_key(key)
    now = now or clock.utcnow()

    def fail(customer):
        Payment.create(customer=customer.id, amount=amount, method="card", received_at=now,
                       succeeded=False, note=(clean(reason) or "declined")[:200], request_key=key)
        customer.failed_payments += 1
        if customer.failed_payments >= FREEZE_AFTER_FAILURES:
            customer.payment_frozen = True

    def change():
        # No version: the failed-payment form carries none (a failure reported by the
        # payment provider is a fact, whatever else changed meanwhile).
        return change_customer(customer_id, who, "money", "failed_payment", fail)

    return _once(key, _payment_finder(key, customer_id, amount, "card", False), change, customer_id, who)


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

