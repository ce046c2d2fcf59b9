"""Checking customer values from any source (CSV import, forms): one set of rules."""
from functools import lru_cache

import pycountry

from .fields import CSV_AMOUNTS, TEXT
from .models import BALANCE_CONTROLS, CUSTOMER_TYPES
from .money import MoneyError, parse_money
from .text import clean

MONEY = CSV_AMOUNTS  # the amounts a form or a CSV line gives
TRUE, FALSE = ("true", "yes", "1", "y"), ("false", "no", "0", "n", "")
NAMES = ("customer_class", "reseller", "distributor")  # given by name, looked up later
NAME_LENGTH = 100
# (name, capitals, max_length, check) of each text field: read once per value, not looked up.
_TEXT = tuple((f.name, f.capitals, f.max_length, f.check) for f in TEXT)


@lru_cache(maxsize=1024)
def _is_currency(code):
    # An import asks for the same few codes a million times; pycountry's lookup is the dearer part.
    return pycountry.currencies.get(alpha_3=code) is not None


def customer_values(raw):
    """Clean and check the customer fields in ``raw`` (a mapping of strings).

    Returns ``(values, errors)``: typed values ready for ``Customer`` (owner and
    class still as names) and ``{field: message}`` for every bad field. Text
    fields follow data/fields.py: length, capitals, and the field's own check.
    """
    values, errors = {}, {}
    for name, capitals, max_length, _ in _TEXT:
        if name in raw:
            value = clean(raw[name])
            if capitals:
                value = value.upper()
            if len(value) > max_length:
                errors[name] = f"is longer than {max_length} characters"
            values[name] = value
    for name in NAMES:
        if name in raw:
            value = clean(raw[name])
            if len(value) > NAME_LENGTH:
                errors[name] = f"is longer than {NAME_LENGTH} characters"
            values[name] = value
    if not values.get("name"):
        errors["name"] = "is required"

    kind = clean(raw.get("customer_type", "")).lower() or "retail"
    if kind not in CUSTOMER_TYPES:
        errors["customer_type"] = f"“{kind}” is not one of {', '.join(CUSTOMER_TYPES)}"
    values["customer_type"] = kind
    if kind != "retail" and (values.get("reseller") or values.get("distributor")):
        errors["customer_type"] = f"a {kind} belongs to the operator: leave reseller and distributor empty"

    control = clean(raw.get("balance_control", "")).lower() or "postpaid"
    if control not in BALANCE_CONTROLS:
        errors["balance_control"] = f"“{control}” is not prepaid or postpaid"
    values["balance_control"] = control

    currency = clean(raw.get("currency", "")).upper()
    if not currency:
        errors["currency"] = "is required"
    elif not _is_currency(currency):
        errors["currency"] = f"“{currency}” is not an ISO 4217 currency code"
    values["currency"] = currency

    for name, _, _, check in _TEXT:
        if check and values.get(name):
            message = check(values[name])
            if message:
                errors[name] = message

    for name in MONEY:
        try:
            amount = parse_money(raw.get(name, ""))
        except MoneyError as error:
            errors[name] = str(error)
            continue
        if amount is None and name != "credit_limit":
            amount = parse_money("0")
        values[name] = amount

    blocked = clean(raw.get("blocked", "")).lower()
    if blocked not in TRUE + FALSE:
        errors["blocked"] = f"“{blocked}” is not true or false"
    values["blocked"] = blocked in TRUE
    return values, errors
