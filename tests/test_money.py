from decimal import Decimal

import pytest

from data.models import Customer
from data.money import MoneyError, parse_money
from tests import factories
from views.formatting import money


@pytest.mark.parametrize("text,expected", [
    ("12.5", Decimal("12.50000")), (" -0.25 ", Decimal("-0.25")), ("1,234.56", Decimal("1234.56")),
    (7, Decimal("7")), (Decimal("0.00001"), Decimal("0.00001")), ("", None), (None, None),
])
def test_parse_money(text, expected):
    assert parse_money(text) == expected


@pytest.mark.parametrize("bad", [1.5, "abc", "1e400", "NaN", "Infinity", "0.000001", "10000000000000"])
def test_parse_money_refuses(bad):
    with pytest.raises(MoneyError):
        parse_money(bad)


def test_money_round_trips_exactly(database):
    c = factories.customer(balance=Decimal("1234567.89012"), credit_limit=Decimal("0.1"),
                           available_funds=Decimal("-0.00001"))
    again = Customer.get_by_id(c.id)
    assert again.balance == Decimal("1234567.89012")
    assert again.credit_limit == Decimal("0.1")
    assert again.available_funds == Decimal("-0.00001")
    # Stored as integers, so the database compares and sums exactly too.
    assert Customer.select().where(Customer.credit_limit == Decimal("0.10")).count() == 1


def test_money_shown_with_currency_and_never_rounded():
    assert money(Decimal("1234.5"), "USD") == "1,234.50 USD"
    assert money(Decimal("0.12345"), "EUR") == "0.12345 EUR"
    assert money(Decimal("100"), "JPY") == "100 JPY"
    assert money(Decimal("1.5"), "BHD") == "1.500 BHD"
    assert money(None, "USD") == ""
