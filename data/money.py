"""Exact money: Decimal in Python, integer units of 10^-5 in the database.

SQLite has no exact decimal type (a DECIMAL column silently becomes a float), so
every amount is stored as a BIGINT count of 1/100000 of the currency unit: exact
on both backends, cheap to compare and sort, and fine-grained enough for per-second
call rating, which produces fractions of a cent.
"""
import re
from decimal import Decimal

from peewee import SQL, BigIntegerField, Case, fn

SCALE = 5
QUANTUM = Decimal(1).scaleb(-SCALE)
_ONE = 10 ** SCALE  # stored units per currency unit
# 10^13 units of currency is far beyond any balance and keeps scaled values in a BIGINT.
LIMIT = Decimal(10) ** 13
# A plain decimal and nothing else: ASCII digits, an optional minus, a dot for
# the fraction. Python's Decimal() also takes "1,5"-less forms we must refuse:
# other scripts' digits ("١٠", "𝟓"), exponents ("1e5") and underscores ("1_0").
# Commas are refused rather than dropped: "1,5" meant 1.5 as often as 15.
_PLAIN = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)")
EXPECTED = "write a plain decimal number with a dot, such as 1234.5 or -0.25"


class MoneyError(ValueError):
    """An amount that cannot be stored exactly."""


def parse_money(value):
    """Turn user or file input into an exact Decimal; ``None``/blank stays ``None``.

    The one rule for forms, search conditions and CSV files: strings must be
    plain decimals (``"1234.5"``, ``"-0.25"``, surrounding blanks ignored).
    ``Decimal`` and ``int`` are taken as they are. Floats are refused: they are
    already inexact. Raises ``MoneyError`` with a message that says what is expected.
    """
    if value is None:
        return None
    if isinstance(value, float):
        raise MoneyError("amounts must not be floats")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        shown = text if len(text) <= 40 else text[:40] + "…"
        if not _PLAIN.fullmatch(text):
            raise MoneyError(f"“{shown}” is not an amount: {EXPECTED}")
        return check_amount(Decimal(text), shown=shown)
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise MoneyError(f"“{value}” is not an amount: {EXPECTED}")
    return check_amount(value)


def check_amount(amount, what=None, shown=None):
    """``amount`` (a Decimal) if it can be stored exactly, else ``MoneyError``.

    ``what`` names the amount in the message (``"the balance"``) when it is a
    result, not something typed; ``shown`` is the amount as typed.
    """
    if abs(amount) >= LIMIT:
        largest = f"{LIMIT - QUANTUM:,f}"
        if what:
            raise MoneyError(f"this would take {what} past the largest amount that can be kept ({largest})")
        raise MoneyError(f"{shown or 'the amount'} is too large (at most {largest})")
    if amount != amount.quantize(QUANTUM):
        raise MoneyError(f"{shown or amount} has more than {SCALE} decimal places")
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


def units_text_sql(units):
    """``units_text`` in SQL, the same on both backends (NULL for none), for exports read
    in bulk: integer arithmetic only, every constant a literal (a statement kept as text
    is run with other parameters, and a number beside a MoneyField would be converted)."""
    one, zero = SQL(str(_ONE)), SQL("0")
    whole = fn.ABS(units) / one
    fraction = fn.ABS(units) - whole * one
    # One unit more than the fraction, less its first digit: the fraction with its leading zeros.
    digits = fn.RTRIM(fn.SUBSTR((fraction + one).cast("text"), SQL("2")), SQL("'0'"))
    sign = Case(None, [(units < zero, SQL("'-'"))], SQL("''"))
    return Case(None, [(fraction == zero, sign.concat(whole.cast("text")))],
                sign.concat(whole.cast("text")).concat(SQL("'.'")).concat(digits))


def units_text(units):
    """``money_text`` of an amount as MoneyField stores it (an integer of 10^-5 units).

    For reading many rows: no Decimal is made, and the text is the same.
    """
    if units is None:
        return ""
    whole, fraction = divmod(abs(units), _ONE)
    sign = "-" if units < 0 else ""
    if not fraction:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{fraction:0{SCALE}d}".rstrip("0")

