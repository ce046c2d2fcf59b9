"""The status-priority helper follows the spec's table exactly."""
import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from data.status import (
    ACTIVE,
    BY_CODE,
    CODES,
    DATED,
    STATUSES,
    StatusField,
    applicable_statuses,
    derive_status,
    is_terminated,
    severity_sql,
)

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, 0)


def plain(**changes):
    """An active postpaid customer with no lifecycle flags."""
    values = dict(terminated_at=None, blocked=False, suspended=False, provisionally_terminated_at=None,
                  balance_control="postpaid", balance=Decimal("10"), credit_limit=None,
                  available_funds=Decimal("0"), suspension_lifted_until=None, payment_frozen=False,
                  daily_spending_limit=None, spent_today=Decimal("0"), spending_date=None, exported_at=None)
    values.update(changes)
    return SimpleNamespace(**values)


# What makes each status hold (a postpaid customer unless the status needs prepaid).
CONDITIONS = {
    "permanently_terminated": dict(terminated_at=NOW),
    "blocked": dict(blocked=True),
    "suspended": dict(suspended=True),
    "provisionally_terminated": dict(provisionally_terminated_at=NOW),
    "credit_exceeded": dict(balance_control="postpaid", credit_limit=Decimal("100"), balance=Decimal("100.01")),
    "no_available_funds": dict(balance_control="prepaid", available_funds=Decimal("0")),
    "suspension_lifted": dict(suspension_lifted_until=TODAY),
    "payment_frozen": dict(payment_frozen=True),
    "spending_limit_reached": dict(daily_spending_limit=Decimal("20"), spent_today=Decimal("20"),
                                   spending_date=TODAY),
    "exported": dict(exported_at=NOW),
}


def test_table_is_the_spec_table():
    assert [s.priority for s in STATUSES] == list(range(1, 12))
    assert CODES == ("permanently_terminated", "blocked", "suspended", "provisionally_terminated",
                     "credit_exceeded", "no_available_funds", "suspension_lifted", "payment_frozen",
                     "spending_limit_reached", "exported", "active")


def test_nothing_applies_means_active():
    assert derive_status(plain(), TODAY) == "active"
    assert applicable_statuses(plain(), TODAY) == []


@pytest.mark.parametrize("code", CONDITIONS)
def test_each_status_alone(code):
    assert derive_status(plain(**CONDITIONS[code]), TODAY) == code


def _compatible(a, b):
    # Postpaid credit and prepaid funds cannot both hold: balance control is one or the other.
    return {a, b} != {"credit_exceeded", "no_available_funds"}


@pytest.mark.parametrize("first,second", [p for p in itertools.combinations(CONDITIONS, 2) if _compatible(*p)])
def test_higher_priority_wins(first, second):
    customer = plain(**{**CONDITIONS[first], **CONDITIONS[second]})
    assert set(applicable_statuses(customer, TODAY)) == {first, second}
    winner = min(first, second, key=lambda code: BY_CODE[code].priority)
    assert derive_status(customer, TODAY) == winner


def test_credit_exceeded_and_no_funds_exclude_each_other():
    prepaid = plain(**CONDITIONS["no_available_funds"], credit_limit=Decimal("1"), balance=Decimal("5"))
    assert derive_status(prepaid, TODAY) == "no_available_funds"
    postpaid = plain(**CONDITIONS["credit_exceeded"], available_funds=Decimal("-5"))
    assert derive_status(postpaid, TODAY) == "credit_exceeded"


@pytest.mark.parametrize("balance,limit,expected", [
    ("100.00", "100", "active"),          # at the limit is not above it
    ("100.00001", "100", "credit_exceeded"),
    ("999999", None, "active"),           # no limit, never exceeded
    ("-5", "0", "active"),
    ("0.01", "0", "credit_exceeded"),     # a zero limit is a limit
])
def test_credit_exceeded_boundaries(balance, limit, expected):
    customer = plain(balance=Decimal(balance), credit_limit=None if limit is None else Decimal(limit))
    assert derive_status(customer, TODAY) == expected


@pytest.mark.parametrize("funds,expected", [("0", "no_available_funds"), ("-0.01", "no_available_funds"),
                                            ("0.00001", "active")])
def test_no_available_funds_at_or_below_zero(funds, expected):
    assert derive_status(plain(balance_control="prepaid", available_funds=Decimal(funds)), TODAY) == expected


def test_no_available_funds_only_for_prepaid():
    assert derive_status(plain(balance_control="postpaid", available_funds=Decimal("-1")), TODAY) == "active"


def test_suspension_lifted_until_a_date_inclusive():
    lifted = plain(suspension_lifted_until=TODAY)
    assert derive_status(lifted, TODAY) == "suspension_lifted"
    assert derive_status(lifted, TODAY + timedelta(days=1)) == "active"


def test_spending_limit_counts_only_today():
    spent = plain(daily_spending_limit=Decimal("20"), spent_today=Decimal("25"), spending_date=TODAY)
    assert derive_status(spent, TODAY) == "spending_limit_reached"
    # Renewed at 00:00:00: yesterday's spending does not count today.
    assert derive_status(spent, TODAY + timedelta(days=1)) == "active"
    below = plain(daily_spending_limit=Decimal("20"), spent_today=Decimal("19.99"), spending_date=TODAY)
    assert derive_status(below, TODAY) == "active"


def test_terminated_is_asked_one_way():
    """``is_terminated`` holds exactly when the status shown is permanently terminated."""
    assert not is_terminated(plain())
    for conditions in CONDITIONS.values():
        customer = plain(**conditions)
        assert is_terminated(customer) == (derive_status(customer, TODAY) == "permanently_terminated")


def test_active_is_what_remains():
    assert [s.code for s in STATUSES if s.applies is None] == [ACTIVE]
    assert [s.code for s in STATUSES if s.is_active] == [ACTIVE]


@pytest.mark.parametrize("code", CONDITIONS)
def test_dated_statuses_are_the_ones_the_date_alone_ends(code):
    """Maintenance re-derives only DATED statuses by default: nothing else changes with the day."""
    customer = plain(**CONDITIONS[code])
    assert (derive_status(customer, TODAY + timedelta(days=400)) != code) == (code in DATED)


def test_severity_is_written_from_the_table():
    """The SQL the status index and the queries share: each code with its priority, in order."""
    sql = severity_sql()
    assert [sql.index(f"WHEN '{s.code}' THEN {s.priority} ") for s in STATUSES] == sorted(
        sql.index(f"WHEN '{s.code}' THEN {s.priority} ") for s in STATUSES)
    assert sql.startswith("CASE status WHEN 'permanently_terminated' THEN 1 WHEN 'blocked' THEN 2 ")


def test_status_field_stores_codes_only():
    field = StatusField()
    assert field.db_value("blocked") == "blocked" and field.db_value(None) is None
    with pytest.raises(ValueError):
        field.db_value(2)  # a priority is no longer what is stored
    with pytest.raises(ValueError):
        field.db_value("closed")
