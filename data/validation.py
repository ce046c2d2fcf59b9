"""Checking customer values from any source (CSV import, forms): one set of rules."""
import pycountry

from .emails import email_problem
from .models import BALANCE_CONTROLS, CUSTOMER_TYPES, TEXT_FIELDS, Customer
from .money import MoneyError, parse_money
from .text import clean

MONEY = ("balance", "available_funds", "credit_limit")
TRUE, FALSE = ("true", "yes", "1", "y"), ("false", "no", "0", "n", "")


def _max_length(name):
    return getattr(Customer, name).max_length


def customer_values(raw):
    """Clean and check the customer fields in ``raw`` (a mapping of strings).

    Returns ``(values, errors)``: typed values ready for ``Customer`` (owner and
    class still as names) and ``{field: message}`` for every bad field.
    """
    values, errors = {}, {}
    for name in TEXT_FIELDS + ("customer_class", "reseller", "distributor"):
        if name in raw:
            value = clean(raw[name])
            limit = _max_length(name) if name in TEXT_FIELDS else 100
            if len(value) > limit:
                errors[name] = f"is longer than {limit} characters"
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
    elif pycountry.currencies.get(alpha_3=currency) is None:
        errors["currency"] = f"“{currency}” is not an ISO 4217 currency code"
    values["currency"] = currency

    country = values.get("country", "").upper()
    if country and pycountry.countries.get(alpha_2=country) is None:
        errors["country"] = f"“{country}” is not an ISO 3166-1 alpha-2 country code"
    values["country"] = country

    if values.get("email"):
        problem = email_problem(values["email"])
        if problem:
            errors["email"] = f"“{values['email']}” is not an e-mail address ({problem})"

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
