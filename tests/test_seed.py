"""The demo-data command."""
from data import deletion
from data.models import Customer
from data.records import Account, Invoice, Xdr
from data.status import CODES


def snapshot():
    return [(c.name, c.status, c.balance, c.reseller_id) for c in Customer.select().order_by(Customer.id)]


def test_seed_covers_every_status_and_both_delete_cases(runner):
    result = runner.invoke(args=["seed", "--customers", "60", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "Added 60 customers" in result.output
    assert Customer.select().count() == 60
    assert {c.status for c in Customer.select()} == set(CODES)
    assert {c.customer_type for c in Customer.select()} == {"retail", "reseller", "distributor"}
    flags = deletion.row_flags([c.id for c in Customer.select()])
    assert any(ok for _, ok in flags.values()) and not all(ok for _, ok in flags.values())
    assert Account.select().count() and Xdr.select().count() and Invoice.select().count()


def test_seed_is_deterministic(runner, app):
    runner.invoke(args=["seed", "--customers", "40", "--seed", "3"])
    first = snapshot()
    from tests.conftest import _empty_tables
    _empty_tables()
    runner.invoke(args=["seed", "--customers", "40", "--seed", "3"])
    assert [row[:3] for row in snapshot()] == [row[:3] for row in first]


def test_seed_refuses_too_few(runner):
    result = runner.invoke(args=["seed", "--customers", "5"])
    assert result.exit_code != 0 and "--customers" in result.output


def test_seed_only_if_empty(runner):
    runner.invoke(args=["seed", "--customers", "20"])
    result = runner.invoke(args=["seed", "--customers", "20", "--only-if-empty"])
    assert result.exit_code == 0 and "no demo data added" in result.output
    assert Customer.select().count() == 20
