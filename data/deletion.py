"""When a customer may be deleted, and the delete itself.

The spec: the Delete icon appears only if there are no xDRs, no accounts owned by
the customer, no other entities (products, tariffs, ...) managed by it, and no
bilateral traffic exchange with a vendor. We also keep customers that still own
subcustomers, that have invoices or payments (financial records), and permanently
terminated ones (kept for regulatory purposes, "no further operations").
"""
from collections import namedtuple

from peewee import SQL, IntegrityError, fn

from . import sql_text
from .access import as_viewer
from .changes import REFUSALS, check, load, refusal_reason
from .db import db, is_postgres, write_transaction
from .errors import Conflict
from .history import record, rows_for
from .models import Customer
from .records import Account, History, Invoice, Payment, Product, Subscription, Tariff, TrafficExchange, User, Xdr
from .status import is_terminated

_Sub = Customer.alias("sub")

# (reason shown to the admin, related model, its column pointing at the customer)
BLOCKERS = (
    ("it has xDRs", Xdr, Xdr.customer),
    ("it owns accounts", Account, Account.customer),
    ("it manages products", Product, Product.managed_by),
    ("it manages tariffs", Tariff, Tariff.managed_by),
    ("it takes part in bilateral traffic exchange with a vendor",
     TrafficExchange, TrafficExchange.customer),
    ("it has subcustomers (as a reseller)", _Sub, _Sub.reseller),
    ("it has customers (as a distributor)", _Sub, _Sub.distributor),
    ("it has invoices", Invoice, Invoice.customer),
    ("it has payments", Payment, Payment.customer),
    ("it has subscriptions", Subscription, Subscription.customer),
    ("it has staff who sign in", User, User.owner),
)
_ACCOUNTS = next(i for i, (_, model, _) in enumerate(BLOCKERS) if model is Account)
TERMINATED = "it is permanently terminated and kept for regulatory purposes"


def _exists(model, column, customer_column):
    return fn.EXISTS(model.select(SQL("1")).where(column == customer_column))


def delete_blockers(customer):
    """Reasons why ``customer`` cannot be deleted; empty when it can (``row_flags``'
    rule, so the list's Delete icon and the delete itself never disagree)."""
    flags = row_flags([customer.id]).get(customer.id)
    return list(flags.reasons) if flags is not None else []


class RowFlags(tuple):
    """What a list row needs: unpacks as ``(has_accounts, deletable)`` and says ``why_not``.

    Still a pair, so the templates and views that unpack it keep working; the
    reasons ride along so a row can say why it has no Delete icon.
    """

    def __new__(cls, has_accounts, reasons):
        flags = super().__new__(cls, (has_accounts, not reasons))
        flags.reasons = tuple(reasons)
        return flags

    @property
    def has_accounts(self):
        return self[0]

    @property
    def deletable(self):
        return self[1]

    @property
    def why_not(self):
        """``"it has xDRs; it owns accounts"``: the reasons as one phrase, empty when deletable."""
        return "; ".join(self.reasons)


def row_flags(customer_ids):
    """For a page of customers: ``{id: RowFlags}`` in one query, reasons included.

    Every blocker is an EXISTS column of the same SELECT, so a page of 200 rows
    is one query, not one per row (nor one per row and blocker).
    """
    if not customer_ids:
        return {}
    # Written once per page size (sql_text): building a dozen EXISTS in Peewee cost
    # more than running them.
    sql, params = sql_text.for_ids("row_flags", _flags_query, list(customer_ids))
    flags = {}
    for customer_id, terminated_at, *found in db.execute_sql(sql, params).fetchall():
        reasons = [TERMINATED] if is_terminated(_Row(terminated_at)) else []
        reasons += [reason for (reason, _, _), hit in zip(BLOCKERS, found, strict=True) if hit]
        flags[customer_id] = RowFlags(bool(found[_ACCOUNTS]), reasons)
    return flags


_Row = namedtuple("_Row", "terminated_at")  # what status.is_terminated reads


def _flags_query(customer_ids):
    checks = [_exists(model, column, Customer.id) for _, model, column in BLOCKERS]
    return (Customer
            .select(Customer.id, Customer.terminated_at, *[c.alias(f"b{i}") for i, c in enumerate(checks)])
            .where(Customer.id.in_(customer_ids)))


def delete_customer(customer_id, who):
    """Delete the customer if the rule allows, all in one transaction.

    Raises ``NotFound`` if it is gone, ``Conflict`` (with the reasons) if it must
    stay. Returns the deleted customer's name. The history keeps the delete.
    Outside ``who``'s reach it is ``NotFound``; a read-only role gets ``Forbidden``.
    """
    viewer = as_viewer(who)
    with write_transaction():
        # No version to check (the list has none to send): the row lock and the
        # blockers read under it decide. A terminated customer is one of the blockers.
        customer = load(customer_id, viewer, "delete", allow_terminated=True, lock=True)
        reasons = delete_blockers(customer)
        if reasons:
            raise Conflict(f"Customer “{customer.name}” cannot be deleted", reasons)
        try:
            with db.atomic():
                record(customer, viewer, "delete")
                customer.delete_instance()
        except IntegrityError:
            # A record pointing at the customer arrived after our check; the
            # foreign keys refused the delete, so nothing was lost.
            raise Conflict(f"Customer “{customer.name}” cannot be deleted",
                           ["records were just added to it"]) from None
    return customer.name


def delete_many(customer_ids, who, actor=None):
    """``delete_customer`` for a batch of a bulk job, inside the caller's write transaction.

    Each customer goes through the same checks (reach, permission, the blockers of
    ``row_flags``, read for the whole batch in one query); each delete runs in a
    savepoint, so a record that arrived after the check keeps that one customer
    (its foreign keys refuse) and the rest of the batch goes on. Returns
    ``[(customer_id, name, reason)]``, ``reason`` None for a customer deleted.
    """
    viewer = as_viewer(who)
    actor = actor or viewer.name
    query = Customer.select().where(Customer.id.in_(list(customer_ids)))
    found = {c.id: c for c in (query.for_update() if is_postgres() else query)}
    flags = row_flags(list(found))
    outcomes = []
    for customer_id in customer_ids:
        customer = found.get(customer_id)
        name = customer.name if customer is not None else ""
        try:
            check(customer, viewer, "delete", allow_terminated=True)
        except REFUSALS as refusal:
            outcomes.append((customer_id, name, refusal_reason(refusal)))
            continue
        reasons = flags[customer_id].reasons
        if reasons:
            outcomes.append((customer_id, name, "; ".join(reasons)))
            continue
        try:
            with db.atomic():
                History.insert_many(rows_for(customer, actor, "delete")).execute()
                customer.delete_instance()
        except IntegrityError:
            outcomes.append((customer_id, name, "records were just added to it"))
            continue
        outcomes.append((customer_id, name, None))
    return outcomes

