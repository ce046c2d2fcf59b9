"""Which periodic charges are due: the one statement of the rules. Maintenance
(data/maintenance.py) charges what these queries find, and the previews ("next
run" on a class's page and on a customer's) count and list the same queries.

Subscription fees: every served customer, blocked ones included (the spec says
so), for each subscription running today. Maintenance fee: every served customer
that is not blocked, in the class's fee for the customer's currency (a class
with no fee in that currency charges nothing). Each once per calendar month (UTC).
"""
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from peewee import fn

from .access import as_viewer
from .models import Customer, CustomerClass
from .records import ClassFee, PeriodicCharge, Subscription


def period_of(now):
    """The month a charge at ``now`` is for, as the ledger writes it (``YYYY-MM``)."""
    return now.strftime("%Y-%m")


def next_period_start(now):
    """The first day of the month after ``now``'s."""
    return date(now.year, now.month, monthrange(now.year, now.month)[1]) + timedelta(days=1)


def operational():
    """Customers that are still served: not terminated in any way, not exported."""
    return (Customer.provisionally_terminated_at.is_null() & Customer.terminated_at.is_null()
            & Customer.exported_at.is_null())


def _charged(kind, customer_column, reference_column, period):
    # All four columns of the ledger's unique key, so the lookup is one index probe.
    return fn.EXISTS(PeriodicCharge.select().where(
        (PeriodicCharge.customer == customer_column) & (PeriodicCharge.kind == kind)
        & (PeriodicCharge.reference_id == reference_column) & (PeriodicCharge.period == period)))


def subscription_charges(now, pending=True):
    """The subscription fees of ``now``'s month: ``Subscription`` rows (id, customer, fee,
    name). ``pending``: only those not charged yet this month (what the next run charges)."""
    today = now.date()
    query = (Subscription.select(Subscription.id, Subscription.customer, Subscription.fee, Subscription.name)
             .join(Customer, on=(Customer.id == Subscription.customer))
             .where(operational() & (Subscription.started_on <= today)
                    & (Subscription.ended_on.is_null() | (Subscription.ended_on >= today))))
    if pending:
        query = query.where(~_charged("subscription", Subscription.customer, Subscription.id, period_of(now)))
    return query


def maintenance_charges(now, pending=True):
    """The maintenance fees of ``now``'s month: one row per customer, as tuples of
    customer id, class id, class name, amount, currency. ``pending``: only those not
    charged yet this month (what the next run charges)."""
    query = (Customer.select(Customer.id, CustomerClass.id, CustomerClass.name, ClassFee.amount, ClassFee.currency)
             .join(CustomerClass, on=(CustomerClass.id == Customer.customer_class))
             .join(ClassFee, on=((ClassFee.customer_class == CustomerClass.id)
                                 & (ClassFee.currency == Customer.currency)))
             .where(operational() & (Customer.blocked == False) & (ClassFee.amount > 0)))  # noqa: E712
    if pending:
        query = query.where(~_charged("maintenance", Customer.id, CustomerClass.id, period_of(now)))
    return query


@dataclass(frozen=True)
class FeeRun:
    """A class's fee in one currency, and whom maintenance charges it."""
    currency: str
    amount: object          # Decimal
    next_run: int           # customers the next run charges (not charged yet this month)
    this_month: int         # customers the fee applies to this month, charged or not

    @property
    def charged(self):
        return self.this_month - self.next_run


def class_preview(class_id, viewer, now):
    """Per fee of the class, by currency: a ``FeeRun`` counted in ``viewer``'s reach."""
    reach = as_viewer(viewer).reach()

    def counts(pending):
        query = maintenance_charges(now, pending).where(Customer.customer_class == class_id)
        if reach is not None:
            query = query.where(reach)
        return dict(query.select(ClassFee.currency, fn.COUNT(Customer.id)).group_by(ClassFee.currency).tuples())

    upcoming, month = counts(True), counts(False)
    fees = ClassFee.select().where(ClassFee.customer_class == class_id).order_by(ClassFee.currency)
    return [FeeRun(f.currency, f.amount, upcoming.get(f.currency, 0), month.get(f.currency, 0)) for f in fees]


@dataclass(frozen=True)
class Upcoming:
    """One charge maintenance makes a customer: what, how much, and whether this
    month's is made already (then the next one is on ``next_period_start``)."""
    what: str
    amount: object          # Decimal, in the customer's currency
    charged: bool


def customer_preview(customer, now):
    """``(charges, note)``: the ``Upcoming`` charges of ``customer`` this month, from the
    queries maintenance runs, and why no maintenance fee applies when none does."""
    charges = []
    for sub in subscription_charges(now, pending=False).where(Subscription.customer == customer.id).order_by(
            Subscription.started_on, Subscription.id):
        done = PeriodicCharge.select().where(
            (PeriodicCharge.customer == customer.id) & (PeriodicCharge.kind == "subscription")
            & (PeriodicCharge.reference_id == sub.id) & (PeriodicCharge.period == period_of(now))).exists()
        charges.append(Upcoming(f"Subscription: {sub.name}", sub.fee, done))
    fee = maintenance_charges(now, pending=False).where(Customer.id == customer.id).tuples().first()
    note = ""
    if fee is not None:
        _, class_id, class_name, amount, _ = fee
        done = PeriodicCharge.select().where(
            (PeriodicCharge.customer == customer.id) & (PeriodicCharge.kind == "maintenance")
            & (PeriodicCharge.reference_id == class_id) & (PeriodicCharge.period == period_of(now))).exists()
        charges.append(Upcoming(f"Maintenance fee: {class_name}", amount, done))
    elif customer.customer_class_id is not None:
        note = _no_fee(customer)
    return charges, note


def _no_fee(customer):
    """Why a customer of a class is charged no maintenance fee (for the page: the
    queries above decide; this only names the reason)."""
    cls = customer.customer_class
    if customer.blocked:
        return "No maintenance fee while blocked."
    has_fee = ClassFee.select().where((ClassFee.customer_class == cls.id) & (ClassFee.currency == customer.currency)
                                      & (ClassFee.amount > 0)).exists()
    if not has_fee:
        return f"Class “{cls.name}” has no maintenance fee in {customer.currency}."
    return "No maintenance fee: the customer is not served any more."
