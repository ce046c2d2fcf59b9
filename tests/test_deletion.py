"""The delete rule of the spec, checked again by the server at delete time."""
from datetime import datetime

import pytest

from data import deletion
from data.errors import Conflict, NotFound
from data.models import Customer, CustomerSearch
from tests import factories

BLOCKING = {
    "xdrs": (lambda c: factories.xdr(c), "it has xDRs"),
    "accounts": (lambda c: factories.account(c), "it owns accounts"),
    "products": (lambda c: factories.product(c), "it manages products"),
    "tariffs": (lambda c: factories.tariff(c), "it manages tariffs"),
    "exchange": (lambda c: factories.exchange(c),
                 "it takes part in bilateral traffic exchange with a vendor"),
    "subcustomers": (lambda c: factories.customer(reseller=c), "it has subcustomers (as a reseller)"),
    "distributed": (lambda c: factories.customer(distributor=c), "it has customers (as a distributor)"),
    "invoices": (lambda c: factories.invoice(c), "it has invoices"),
    "payments": (lambda c: factories.payment(c), "it has payments"),
}


def test_a_customer_with_nothing_is_deleted(database):
    c = factories.customer()
    assert deletion.delete_blockers(c) == []
    assert deletion.row_flags([c.id]) == {c.id: (False, True)}
    assert deletion.delete_customer(c.id, "tester") == c.name
    assert not Customer.select().where(Customer.id == c.id).exists()
    assert not CustomerSearch.select().where(CustomerSearch.customer == c.id).exists()


def _blocked(kind):
    """A customer that one related record of ``kind`` keeps from being deleted, and the reason."""
    make, reason = BLOCKING[kind]
    owner = factories.reseller() if kind == "subcustomers" else (
        factories.distributor() if kind == "distributed" else factories.customer())
    make(owner)
    return owner, reason


@pytest.mark.parametrize("kind", BLOCKING)
def test_each_related_record_blocks_delete(database, kind):
    owner, reason = _blocked(kind)
    assert deletion.delete_blockers(owner) == [reason]
    assert deletion.row_flags([owner.id])[owner.id][1] is False
    with pytest.raises(Conflict) as refused:
        deletion.delete_customer(owner.id, "tester")
    assert refused.value.reasons == [reason]
    assert Customer.select().where(Customer.id == owner.id).exists()


def test_all_reasons_are_given(database):
    c = factories.customer()
    factories.xdr(c, account=factories.account(c))
    assert deletion.delete_blockers(c) == ["it has xDRs", "it owns accounts"]


def test_permanently_terminated_customers_are_kept(database):
    c = factories.customer(terminated_at=datetime(2026, 1, 1))
    assert c.status == "permanently_terminated"
    with pytest.raises(Conflict) as refused:
        deletion.delete_customer(c.id, "tester")
    assert deletion.TERMINATED in refused.value.reasons
    assert deletion.row_flags([c.id])[c.id] == (False, False)


def test_row_flags_for_a_page(database):
    plain = factories.customer()
    with_account = factories.customer()
    factories.account(with_account)
    only_xdr = factories.customer()
    factories.xdr(only_xdr)
    flags = deletion.row_flags([plain.id, with_account.id, only_xdr.id])
    assert flags == {plain.id: (False, True), with_account.id: (True, False), only_xdr.id: (False, False)}
    assert deletion.row_flags([]) == {}


def test_deleting_a_missing_customer(database):
    with pytest.raises(NotFound):
        deletion.delete_customer(987654, "tester")


def test_foreign_keys_stop_a_delete_the_check_missed(database, monkeypatch):
    # Simulates a record arriving between the check and the delete.
    c = factories.customer()
    factories.account(c)
    monkeypatch.setattr(deletion, "delete_blockers", lambda customer: [])
    with pytest.raises(Conflict) as refused:
        deletion.delete_customer(c.id, "tester")
    assert refused.value.reasons == ["records were just added to it"]
    assert Customer.select().where(Customer.id == c.id).exists()


def test_subscriptions_block_delete(database):
    from datetime import date
    from decimal import Decimal

    from data.records import Subscription
    c = factories.customer()
    Subscription.create(customer=c.id, name="Plan", fee=Decimal(1), started_on=date(2026, 1, 1))
    assert deletion.delete_blockers(c) == ["it has subscriptions"]


def test_delete_is_kept_in_the_history(database):
    from data import history
    c = factories.customer("Short Lived")
    deletion.delete_customer(c.id, "tester")
    rows = [(h.action, h.actor, h.customer_name) for h in history.entries(c.id)]
    assert rows == [("delete", "tester", "Short Lived")]


@pytest.mark.parametrize("kind", BLOCKING)
def test_row_flags_say_why_a_row_cannot_be_deleted(database, kind):
    owner, reason = _blocked(kind)
    flags = deletion.row_flags([owner.id])[owner.id]
    assert flags.reasons == (reason,) and flags.why_not == reason
    assert list(flags.reasons) == deletion.delete_blockers(owner)


def test_row_flags_give_every_reason_in_the_rule_order(database):
    c = factories.customer(terminated_at=datetime(2026, 1, 1))
    factories.xdr(c, account=factories.account(c))
    flags = deletion.row_flags([c.id])[c.id]
    assert flags.why_not == f"{deletion.TERMINATED}; it has xDRs; it owns accounts"
    assert list(flags.reasons) == deletion.delete_blockers(c)
    has_accounts, deletable = flags  # still the pair the templates unpack
    assert (has_accounts, deletable) == (flags.has_accounts, flags.deletable) == (True, False)
    free = factories.customer()
    assert deletion.row_flags([free.id])[free.id].why_not == ""


def test_the_reasons_of_a_whole_page_take_one_query(executed):
    customers = [factories.customer() for _ in range(30)]
    for c in customers[::3]:
        factories.xdr(c)
    executed.clear()
    flags = deletion.row_flags([c.id for c in customers])
    assert len(executed) == 1
    assert sum(1 for f in flags.values() if f.why_not == "it has xDRs") == 10
