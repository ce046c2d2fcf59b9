from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from data.models import Customer
from data.money import MoneyError, check_amount, parse_money
from tests import factories
from views.formatting import money, number


@pytest.mark.parametrize("text,expected", [
    ("12.5", Decimal("12.50000")), (" -0.25 ", Decimal("-0.25")), ("-12.5", Decimal("-12.5")),
    ("0.00001", Decimal("0.00001")), (".5", Decimal("0.5")), ("9999999999999.99999", Decimal("9999999999999.99999")),
    (7, Decimal("7")), (Decimal("0.00001"), Decimal("0.00001")), ("", None), (None, None),
])
def test_parse_money(text, expected):
    assert parse_money(text) == expected


@pytest.mark.parametrize("bad", [
    1.5, True, "abc", "1e400", "1e999999999", "-1e999999999", "1e5", "1E5", "NaN", "Infinity", "0.000001",
    "10000000000000", "1,5", "1,234.56", "1 000", "1_0", "١٠", "𝟓", "５", "+5", "5.", "--5", "0x10", "1.2.3",
    Decimal("NaN"), Decimal("1E+999999"),
])
def test_parse_money_refuses(bad):
    with pytest.raises(MoneyError):
        parse_money(bad)


@pytest.mark.parametrize("bad", ["1,5", "١٠", "1e5", "1_0"])
def test_refusal_says_what_is_expected(bad):
    with pytest.raises(MoneyError, match=r"is not an amount: write a plain decimal number with a dot, such as 1234\.5"):
        parse_money(bad)


def test_a_huge_refused_value_is_not_repeated_in_full():
    with pytest.raises(MoneyError) as refused:
        parse_money("9" * 10_000)
    assert "too large" in str(refused.value) and len(str(refused.value)) < 120


def test_check_amount_names_the_result():
    with pytest.raises(MoneyError, match="would take the balance past the largest amount"):
        check_amount(Decimal("9999999999999") * 2, "the balance")


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


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_counts_are_grouped_as_babel_groups_them(value):
    """number() skips Babel for whole numbers (it cost ~0.1 ms a call); the text must not change."""
    assert number(value) == format_decimal(value, locale="en")
