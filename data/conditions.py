"""Advanced-search conditions: which fields, which operators, and parsing them.

A condition is ``field + operator + value`` (how the list's URLs write one is
views/list_url.py's business). Every field and operator name is checked against
the tables below before anything reaches SQL, and values are always bound parameters.
"""
from dataclasses import dataclass

import pycountry

from .errors import InvalidCondition
from .fields import FIELDS as CUSTOMER_FIELDS
from .fields import MULTI_OPS
from .models import BALANCE_CONTROLS, CUSTOMER_TYPES, CustomerClass
from .money import MoneyError, money_text, parse_money
from .status import STATUSES
from .text import clean

OPERATORS = {
    "is": "Is",
    "is_not": "Is not",
    "begins_with": "Begins with",
    "contains": "Contains",
    "not_contains": "Does not contain",
    "ends_with": "Ends with",
    "is_empty": "Is empty",
    "is_not_empty": "Is not empty",
    "eq": "=",
    "gt": ">",
    "lt": "<",
    "in": "Is any of",
}
NO_VALUE = ("is_empty", "is_not_empty")
MAX_VALUE_LENGTH = 200
# Each condition nests one more level in the SQL; SQLite's parser gives up
# ("parser stack overflow") somewhere past 60, and no one needs that many.
MAX_CONDITIONS = 30


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str                 # text | enum | money | owner
    ops: tuple
    auxiliary: bool = False   # rarely searched; the spec warns such searches scan

    def choices(self):
        """``(value, label)`` pairs for enumerated fields, in display order."""
        return ENUM_CHOICES[self.name]() if self.kind == "enum" else []


# The fields of data/fields.py that take conditions, as the form's field menu lists them:
# text fields first, then the enumerated ones, owners and amounts (each in table order).
_MENU_ORDER = ("text", "enum", "owner", "money")
FIELDS = {f.name: Field(f.name, f.label, f.kind, f.ops, f.auxiliary)
          for f in sorted((f for f in CUSTOMER_FIELDS if f.ops), key=lambda f: _MENU_ORDER.index(f.kind))}

ENUM_CHOICES = {
    "currency": lambda: [(c.alpha_3, f"{c.alpha_3} – {c.name}")
                         for c in sorted(pycountry.currencies, key=lambda c: c.alpha_3)],
    "balance_control": lambda: [(v, v.capitalize()) for v in BALANCE_CONTROLS],
    "customer_type": lambda: [(v, v.capitalize()) for v in CUSTOMER_TYPES],
    "customer_class": lambda: [(n, n) for (n,) in CustomerClass.select(CustomerClass.name)
                               .order_by(CustomerClass.name).tuples()],
    "status": lambda: [(s.code, s.label) for s in STATUSES],
}

@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: object = None      # str for text/enum/owner, Decimal for money, a tuple for "in", None when unused

    @property
    def spec(self):
        return FIELDS[self.field]

    @property
    def value_text(self):
        if self.value is None:
            return ""
        if self.op in MULTI_OPS:
            return ",".join(self.value)
        return money_text(self.value) if self.spec.kind == "money" else self.value


def build(field_name, op, raw):
    """Validate one condition: a Condition with its value typed (Decimal for money).

    Raises ``InvalidCondition`` saying what is wrong.
    """
    field = FIELDS.get(field_name)
    if field is None:
        raise InvalidCondition(f"there is no field “{field_name}” to search")
    if op not in field.ops:
        allowed = ", ".join(field.ops)
        raise InvalidCondition(f"“{op}” is not an operator for {field.name} (use {allowed})")
    if op in NO_VALUE:
        return Condition(field.name, op)
    if op in MULTI_OPS:
        return Condition(field.name, op, _choices(field, raw))
    value = clean(raw)
    if not value:
        raise InvalidCondition(f"needs a value for “{OPERATORS[op]}”")
    if len(value) > MAX_VALUE_LENGTH:
        raise InvalidCondition(f"is longer than {MAX_VALUE_LENGTH} characters")
    if field.kind == "money":
        try:
            amount = parse_money(value)
        except MoneyError as error:
            raise InvalidCondition(str(error)) from None  # it names the value and what is expected
        except (ValueError, ArithmeticError):
            # Whatever else Decimal throws (an exponent too large is decimal.Overflow,
            # not a ValueError) is still a bad value, never a 500.
            raise InvalidCondition(f"“{value}” is not an amount") from None
        return Condition(field.name, op, amount)
    if field.kind == "enum":
        if field.name == "currency":
            value = value.upper()
        if value not in {v for v, _ in field.choices()}:
            raise InvalidCondition(f"“{value}” is not a {field.label.lower()}")
    return Condition(field.name, op, value)


def _choices(field, raw):
    """The values of an "Is any of" condition: comma-separated choices of an enumerated
    field, each known, in the field's own order (so one set of values is one URL)."""
    wanted = {clean(part) for part in clean(raw).split(",")} - {""}
    if not wanted:
        raise InvalidCondition(f"needs at least one {field.label.lower()} for “{OPERATORS['in']}”")
    known = [value for value, _ in field.choices()]
    unknown = sorted(wanted - set(known))
    if unknown:
        shown = ", ".join(f"“{value[:40]}”" for value in unknown[:3])
        raise InvalidCondition(f"{shown} {'is' if len(unknown) == 1 else 'are'} not a {field.label.lower()}"
                               f" (use {', '.join(known)}, separated by commas)")
    return tuple(value for value in known if value in wanted)


def too_many_conditions():
    return f"a search has at most {MAX_CONDITIONS} conditions"
