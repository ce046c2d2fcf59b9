"""Customer classes: grace days, reactivation period and a maintenance fee per
currency, set by the operator's administrators; retired rather than deleted
while customers use them; every change in the class's own history.
"""
import re
from functools import cache

import pycountry
from babel.numbers import get_currency_precision
from peewee import IntegrityError, fn

from . import clock, sql_text
from .access import as_viewer
from .db import write_transaction
from .errors import Conflict, Invalid, NotFound, Stale
from .lifecycle import DEFAULT_REACTIVATION_DAYS
from .models import Customer, CustomerClass
from .money import MoneyError, money_text, parse_money
from .records import ClassFee, ClassHistory
from .text import clean

NAME_LENGTH = CustomerClass.name.max_length
# A year is far past any grace or reactivation period in use; a bigger number is a typo.
MAX_DAYS = 365
# A form's fee rows are ``fee_currency_<n>`` / ``fee_amount_<n>``; more rows than
# currencies exist is not a form we sent.
_FEE_KEY = re.compile(r"fee_(?:currency|amount)_([0-9]{1,3})")


@cache
def currencies():
    """``(code, "code – name")`` of every ISO 4217 currency, by code."""
    return tuple(sorted((c.alpha_3, f"{c.alpha_3} – {c.name}") for c in pycountry.currencies))


def _is_currency(code):
    return any(code == c for c, _ in currencies())


def find(class_id):
    """The class with ``class_id``, or ``NotFound``."""
    cls = CustomerClass.get_or_none(CustomerClass.id == class_id)
    if cls is None:
        raise NotFound("no such customer class")
    return cls


def fees(class_id):
    """The class's fees as ``{currency: Decimal}``, by currency."""
    rows = ClassFee.select().where(ClassFee.customer_class == class_id).order_by(ClassFee.currency)
    return {row.currency: row.amount for row in rows}


def customer_counts(viewer):
    """``{class id: customers}`` within ``viewer``'s reach (one grouped query)."""
    query = (Customer.select(Customer.customer_class, fn.COUNT(Customer.id))
             .where(Customer.customer_class.is_null(False)).group_by(Customer.customer_class))
    reach = as_viewer(viewer).reach()
    if reach is not None:
        query = query.where(reach)
    return dict(query.tuples())


def offered():
    """The classes a customer may be put in (not retired), by name. Read by every list page
    (the bulk bar's "change class"): its SQL is written once (sql_text)."""
    return sql_text.rows("offered_classes", lambda _: CustomerClass.select()
                         .where(CustomerClass.retired_at.is_null()).order_by(CustomerClass.name))


def overview(viewer):
    """Every class for the Classes page: offered ones first, then retired, each by name,
    with ``fee_list`` (``[(currency, amount)]``) and ``customers`` (in the viewer's reach)."""
    classes = list(CustomerClass.select().order_by(CustomerClass.retired_at.is_null(False), CustomerClass.name))
    all_fees = {}
    for fee in ClassFee.select().order_by(ClassFee.currency):
        all_fees.setdefault(fee.customer_class_id, []).append((fee.currency, fee.amount))
    counts = customer_counts(viewer)
    for cls in classes:
        cls.fee_list = all_fees.get(cls.id, [])
        cls.customers = counts.get(cls.id, 0)
    return classes


def _days(raw, name, errors, default):
    text = clean(raw.get(name, ""))
    if not text:
        if default is None:
            errors[name] = "is required"
        return default
    if not text.isascii() or not text.isdigit():
        errors[name] = f"“{text[:20]}” is not a whole number of days (0 to {MAX_DAYS})"
        return None
    if int(text) > MAX_DAYS:
        errors[name] = f"at most {MAX_DAYS} days"
        return None
    return int(text)


def fee_rows(raw):
    """The fee rows of a form as ``[(n, currency text, amount text)]``, in row order."""
    indexes = sorted({int(m.group(1)) for key in raw if (m := _FEE_KEY.fullmatch(key))})
    return [(n, clean(raw.get(f"fee_currency_{n}", "")).upper(), clean(raw.get(f"fee_amount_{n}", "")))
            for n in indexes]


def _fees(raw, errors):
    """``{currency: amount}`` from the form's fee rows; a row with no amount (or 0) sets no fee."""
    found = {}
    for n, currency, text in fee_rows(raw):
        if not currency and not text:
            continue
        if not currency:
            errors[f"fee_currency_{n}"] = "choose the currency of this fee"
            continue
        if not _is_currency(currency):
            errors[f"fee_currency_{n}"] = f"“{currency[:10]}” is not an ISO 4217 currency code"
            continue
        if currency in found:
            errors[f"fee_currency_{n}"] = f"{currency} has a fee already: one fee per currency"
            continue
        try:
            amount = parse_money(text)
        except MoneyError as error:
            errors[f"fee_amount_{n}"] = str(error)
            continue
        if amount is None or amount == 0:
            continue  # cleared: no fee in that currency
        if amount < 0:
            errors[f"fee_amount_{n}"] = "a fee cannot be negative (leave it empty for none)"
            continue
        digits = get_currency_precision(currency)
        if amount != round(amount, digits):
            errors[f"fee_amount_{n}"] = (f"{currency} has {digits or 'no'} decimal place{'' if digits == 1 else 's'}"
                                         f"{'' if digits else ': a whole number'}")
            continue
        found[currency] = amount
    return dict(sorted(found.items()))


def _check(raw, cls=None):
    """``(values, fees)`` from a form, or ``Invalid`` with a message per field."""
    errors = {}
    name = clean(raw.get("name", ""))
    if not name:
        errors["name"] = "is required"
    elif len(name) > NAME_LENGTH:
        errors["name"] = f"is longer than {NAME_LENGTH} characters"
    else:
        same = CustomerClass.select(CustomerClass.name).where(fn.LOWER(CustomerClass.name) == name.lower())
        if cls is not None:
            same = same.where(CustomerClass.id != cls.id)
        taken = same.scalar()
        if taken is not None:
            errors["name"] = f"a class “{taken}” already exists"
    values = {"name": name,
              "grace_days": _days(raw, "grace_days", errors, 0),
              "reactivation_days": _days(raw, "reactivation_days", errors, DEFAULT_REACTIVATION_DAYS)}
    found = _fees(raw, errors)
    if errors:
        raise Invalid(errors)
    return values, found


def _fee_text(amount, currency):
    return f"{money_text(amount)} {currency}" if amount is not None else ""


def _record(cls, actor, action, rows):
    rows = list(rows) or [("", "", "")]
    ClassHistory.insert_many([dict(class_id=cls.id, class_name=cls.name, actor=actor, action=action, at=clock.utcnow(),
                                   field=field, old_value=old, new_value=new) for field, old, new in rows]).execute()


def _write_fees(cls, old, new):
    """Store ``new`` fees; the history rows of what changed."""
    rows = []
    for currency in sorted(old.keys() | new.keys()):
        before, after = old.get(currency), new.get(currency)
        if before == after:
            continue
        if after is None:
            ClassFee.delete().where((ClassFee.customer_class == cls.id) & (ClassFee.currency == currency)).execute()
        elif before is None:
            ClassFee.create(customer_class=cls.id, currency=currency, amount=after)
        else:
            ClassFee.update(amount=after).where((ClassFee.customer_class == cls.id)
                                                & (ClassFee.currency == currency)).execute()
        rows.append((f"maintenance_fee {currency}", _fee_text(before, currency), _fee_text(after, currency)))
    return rows


def _name_taken(name):
    return Invalid({"name": f"a class “{name}” already exists"})


def create_class(raw, who):
    """Validate and create a class for ``who`` (an operator administrator); returns it."""
    viewer = as_viewer(who)
    viewer.check_may("classes")
    values, found = _check(raw)
    try:
        with write_transaction():
            cls = CustomerClass.create(**values)
            rows = [(name, "", str(values[name])) for name in ("name", "grace_days", "reactivation_days")]
            _record(cls, viewer.name, "create", rows + _write_fees(cls, {}, found))
    except IntegrityError:  # the same name, created by someone else a moment ago
        raise _name_taken(values["name"]) from None
    return cls


def _load(class_id, viewer, expected_version):
    viewer.check_may("classes")
    cls = find(class_id)
    if expected_version is not None and str(expected_version).strip() != str(cls.version):
        raise Stale(f"Customer class “{cls.name}” was changed by someone else. Reload the page to see "
                    "the current values, then make your change again.")
    return cls


def _bump(cls, changes):
    """Write ``changes`` and the next version, if nobody wrote the class meanwhile."""
    rows = (CustomerClass.update(**changes, version=cls.version + 1)
            .where((CustomerClass.id == cls.id) & (CustomerClass.version == cls.version)).execute())
    if rows == 0:
        raise Stale(f"Customer class “{cls.name}” was changed by someone else. Reload the page to see "
                    "the current values, then make your change again.")
    for name, value in changes.items():
        setattr(cls, name, value)
    cls.version += 1


def update_class(class_id, raw, who, expected_version=None):
    """Change a class's name, days and fees; returns it. History: one row per change."""
    viewer = as_viewer(who)
    try:
        with write_transaction():
            cls = _load(class_id, viewer, expected_version)
            values, found = _check(raw, cls)
            rows = [(name, str(getattr(cls, name)), str(value)) for name, value in values.items()
                    if getattr(cls, name) != value]
            changed = {name: values[name] for name, _, _ in rows}
            rows += _write_fees(cls, fees(cls.id), found)
            if not rows:
                return cls
            _bump(cls, changed)
            _record(cls, viewer.name, "edit", rows)
    except IntegrityError:
        raise _name_taken(clean(raw.get("name", ""))) from None
    return cls


def retire(class_id, who, expected_version=None):
    """Stop offering the class for new assignment; its customers keep it."""
    viewer = as_viewer(who)
    with write_transaction():
        cls = _load(class_id, viewer, expected_version)
        if cls.retired_at is not None:
            raise Conflict(f"Customer class “{cls.name}” is retired already")
        now = clock.utcnow()
        _bump(cls, {"retired_at": now})
        _record(cls, viewer.name, "retire", [("retired", "", now.strftime("%Y-%m-%d %H:%M:%S"))])
    return cls


def reinstate(class_id, who, expected_version=None):
    """Offer a retired class for new assignment again."""
    viewer = as_viewer(who)
    with write_transaction():
        cls = _load(class_id, viewer, expected_version)
        if cls.retired_at is None:
            raise Conflict(f"Customer class “{cls.name}” is offered already")
        before = cls.retired_at.strftime("%Y-%m-%d %H:%M:%S")
        _bump(cls, {"retired_at": None})
        _record(cls, viewer.name, "reinstate", [("retired", before, "")])
    return cls


def delete_class(class_id, who):
    """Delete a class no customer uses (its fees go with it; its history stays).
    A class in use is ``Conflict``: retire it instead."""
    viewer = as_viewer(who)
    with write_transaction():
        cls = _load(class_id, viewer, None)
        used = Customer.select().where(Customer.customer_class == cls.id).count()
        if used:
            raise Conflict(f"Customer class “{cls.name}” cannot be deleted",
                           [f"{used:,} customer{'s' if used != 1 else ''} use it (retire it instead: "
                            "they keep it, and it is not offered any more)"])
        old = fees(cls.id)
        ClassFee.delete().where(ClassFee.customer_class == cls.id).execute()
        cls.delete_instance()
        _record(cls, viewer.name, "delete", [(f"maintenance_fee {c}", _fee_text(a, c), "") for c, a in old.items()])
    return cls


def history(class_id, limit=50):
    """The class's history, newest first."""
    return list(ClassHistory.select().where(ClassHistory.class_id == class_id)
                .order_by(ClassHistory.at.desc(), ClassHistory.id.desc()).limit(limit))
