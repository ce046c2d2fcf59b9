"""Exact money: Decimal in Python, integer units of 10^-5 in the database.

SQLite has no exact decimal type (a DECIMAL column silently becomes a float), so
every amount is stored as a BIGINT count of 1/100000 of the currency unit: exact
on both backends, cheap to compare and sort, and fine-grained enough for per-second
call rating, which produces fractions of a cent.
"""
from decimal import Decimal, InvalidOperation

from peewee import BigIntegerField

SCALE = 5
QUANTUM = Decimal(1).scaleb(-SCALE)
# 10^13 units of currency is far beyond any balance and keeps scaled values in a BIGINT.
LIMIT = Decimal(10) ** 13


class MoneyError(ValueError):
    """An amount that cannot be stored exactly."""


def parse_money(value):
    """Turn user or file input into an exact Decimal; ``None``/blank stays ``None``.

    Accepts ``Decimal``, ``int`` and strings such as ``"1234.5"`` or ``"-0.25"``.
    Floats are refused: they are already inexact. Raises ``MoneyError``.
    """
    if value is None:
        return None
    if isinstance(value, float):
        raise MoneyError("amounts must not be floats")
    if isinstance(value, str):
        value = value.strip().replace(",", "")
        if not value:
            return None
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise MoneyError(f"“{value}” is not an amount") from None
    if not amount.is_finite():
        raise MoneyError(f"“{value}” is not an amount")
    if abs(amount) >= LIMIT:
        raise MoneyError(f"{value} is too large")
    if amount != amount.quantize(QUANTUM):
        raise MoneyError(f"{value} has more than {SCALE} decimal places")
    return amount.quantize(QUANTUM)


class MoneyField(BigIntegerField):
    """A Decimal amount stored as an integer number of 10^-5 units."""

    def db_value(self, value):
        amount = parse_money(value)
        if amount is None:
            return None
        return int(amount.scaleb(SCALE))

    def python_value(self, value):
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-SCALE)


def money_text(amount):
    """An exact amount as plain text: ``12.5``, ``100``, ``-0.00001``; blank for none."""
    if amount is None:
        return ""
    return f"{amount.normalize():f}"
