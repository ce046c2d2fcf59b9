"""A customer's subscriptions: added and ended through the customer change pipeline
(reach, permission, version, terminated, history on the customer). Maintenance
charges a running subscription's monthly fee (data/periodic.py)."""
import re
from datetime import date

from babel.numbers import get_currency_precision
from peewee import IntegrityError

from . import clock
from .changes import change_customer, load
from .errors import Conflict, Invalid, NotFound
from .money import MoneyError, money_text, parse_money
from .records import Subscription
from .text import clean

NAME_LENGTH = Subscription.name.max_length
_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
_LARGEST_ID = 2**63 - 1
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(raw, field, errors, default=None):
    text = clean(raw or "")
    if not text:
        return default
    try:
        if _DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    errors[field] = f"“{text[:20]}” is not a date: write it as YYYY-MM-DD"
    return None


def _fee(raw, currency, errors):
    try:
        amount = parse_money(raw)
    except MoneyError as error:
        errors["fee"] = str(error)
        return None
    if amount is None or amount <= 0:
        errors["fee"] = "must be more than zero"
        return None
    digits = get_currency_precision(currency)
    if amount != round(amount, digits):
        errors["fee"] = f"{currency} has {digits or 'no'} decimal place{'' if digits == 1 else 's'}"
        return None
    return amount


def describe(sub, currency):
    """A subscription as the history shows it: ``Plan, 10 USD a month, 2026-11-01 to 2026-12-31``."""
    until = f" to {sub.ended_on.isoformat()}" if sub.ended_on else ""
    return f"{sub.name}, {money_text(sub.fee)} {currency} a month, {sub.started_on.isoformat()}{until}"


def _key(value):
    key = clean(value or "")
    if key and not _KEY.fullmatch(key):
        raise Invalid({"key": "this form is damaged: reload the page and enter it again"})
    return key or None


def add(customer_id, raw, who, expected_version=None, today=None):
    """Add a subscription from a form (``name``, ``fee`` in the customer's currency,
    ``started_on`` (default today), ``ended_on`` (optional, its last day), ``key``:
    the form's one-time key, so a form sent twice adds one). Returns the customer."""
    today = today or clock.today()
    key = _key(raw.get("key"))
    added = []

    def change(customer):
        errors = {}
        name = clean(raw.get("name", ""))
        if not name:
            errors["name"] = "is required"
        elif len(name) > NAME_LENGTH:
            errors["name"] = f"is longer than {NAME_LENGTH} characters"
        fee = _fee(raw.get("fee"), customer.currency, errors)
        started = _date(raw.get("started_on"), "started_on", errors, today)
        ended = _date(raw.get("ended_on"), "ended_on", errors)
        if started and ended and ended < started:
            errors["ended_on"] = "cannot be before the start"
        if errors:
            raise Invalid(errors)
        sub = Subscription.create(customer=customer.id, name=name, fee=fee, started_on=started, ended_on=ended,
                                  request_key=key)
        added.append(sub)
        return [("subscription", "", describe(sub, customer.currency))]

    try:
        return change_customer(customer_id, who, "subscriptions", "add_subscription", change, expected_version)
    except IntegrityError:
        # The same form sent again (a retry after a lost answer): the first one stands.
        earlier = Subscription.get_or_none(Subscription.request_key == key) if key else None
        if earlier is None:
            raise
        customer = load(customer_id, who, "subscriptions", allow_terminated=True)
        if earlier.customer_id != customer.id:
            raise Conflict("This form was already sent for another customer",
                           ["reload the page to see what was recorded"]) from None
        return customer


def end(customer_id, subscription_id, raw_date, who, expected_version=None, today=None):
    """End a running subscription: ``raw_date`` (default today) is its last day, charged
    as every running day is. Returns the customer."""
    today = today or clock.today()

    def change(customer):
        if subscription_id > _LARGEST_ID:  # no row has it, and the driver would refuse the number
            raise NotFound("no such subscription")
        sub = Subscription.get_or_none((Subscription.id == subscription_id) & (Subscription.customer == customer.id))
        if sub is None:
            raise NotFound("no such subscription")
        if sub.ended_on is not None and sub.ended_on < today:
            raise Conflict(f"Subscription “{sub.name}” ended on {sub.ended_on.isoformat()} already")
        errors = {}
        last = _date(raw_date, "ended_on", errors, today)
        if last is not None and last < sub.started_on:
            errors["ended_on"] = f"cannot be before its start ({sub.started_on.isoformat()})"
        if errors:
            raise Invalid(errors)
        before = describe(sub, customer.currency)
        sub.ended_on = last
        sub.save()
        return [("subscription", before, describe(sub, customer.currency))]

    return change_customer(customer_id, who, "subscriptions", "end_subscription", change, expected_version)
