"""Daily maintenance: safe to run every minute (idempotent, and overlapping runs
cannot double-charge: the periodic-charge ledger has a unique key).

Each step finds only the customers it has to change (indexed, date-based
queries), changes each in its own short transaction with the usual version
check and history, and moves on; a customer an admin is saving at that very
moment is simply picked up by the next run. A customer whose change fails (a
fee that would pass the money limit, say) is logged and left for the next run;
the others are still served.
"""
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import reduce
from operator import or_

from peewee import IntegrityError, InterfaceError, OperationalError

from . import clock, gram_counts, periodic
from .access import Viewer
from .billing import apply_charge, grace_days, overdue_invoices
from .changes import SKIP, change_customer
from .errors import NotFound, Stale, Terminated
from .lifecycle import DEFAULT_REACTIVATION_DAYS, reactivation_deadline
from .models import Customer, CustomerClass
from .money import money_text
from .records import Invoice, PeriodicCharge
from .status import DATED, status_among

ACTOR = "maintenance"
# Who maintenance acts as: the operator's full rights, under its own name and source.
WHO = Viewer(ACTOR, "operator_admin", source="maintenance")
log = logging.getLogger("customers.maintenance")


@dataclass
class Report:
    counts: dict = field(default_factory=dict)

    def add(self, step, n=1):
        self.counts[step] = self.counts.get(step, 0) + n

    def __str__(self):
        done = [f"{step}: {n}" for step, n in self.counts.items() if n]
        return "; ".join(done) or "nothing to do"


@contextmanager
def _on_its_own(customer_id, step, report):
    """One customer's failure is logged and counted, and the run goes on.

    A database that cannot be reached is not one customer's problem: that ends
    the run (the next one starts over)."""
    try:
        yield
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        log.exception("maintenance: %s failed for customer %s; the other customers go on", step, customer_id)
        report.add("failed")


def _change(customer_id, step, report, change, now):
    """Reload, apply ``change(customer)`` (returns False to skip), save, record."""
    with _on_its_own(customer_id, step, report):
        _change_one(customer_id, step, report, change)


def _change_one(customer_id, step, report, change):
    # Maintenance acts with the operator's full rights under its own name (``WHO``).
    done = []

    def apply(customer):
        if change(customer) is False:
            return SKIP
        done.append(step)

    try:
        change_customer(customer_id, WHO, "status", step, apply, allow_terminated=step == "terminate")
    except (NotFound, Terminated):
        return  # deleted or terminated since the query found it: nothing to do any more
    except Stale:
        report.add("retried next run")
        return
    if done:  # a skipped change wrote nothing and is not counted
        report.add(step)


def _renew_spending(now, report):
    """00:00:00 UTC: yesterday's spending no longer counts."""
    today = now.date()
    stale = Customer.select(Customer.id).where((Customer.spent_today != 0) & (Customer.spending_date < today))
    for (customer_id,) in stale.tuples():
        _change(customer_id, "renew_spending", report, lambda c: setattr(c, "spent_today", 0), now)


def _end_lifted_suspensions(now, report):
    """A lifted suspension ends after its date; the overdue step re-suspends if still unpaid."""
    ended = Customer.select(Customer.id).where(Customer.suspension_lifted_until < now.date())
    for (customer_id,) in ended.tuples():
        _change(customer_id, "end_suspension_lift", report,
                lambda c: setattr(c, "suspension_lifted_until", None), now)


def _per_class(condition):
    """``condition(customer_class or None)`` ANDed with that class, ORed over every class
    and over customers without one. Classes are few, so a per-class date limit (grace
    days, reactivation days) becomes plain date conditions the database can use, and
    only the customers that really have to change are visited."""
    parts = [(Customer.customer_class == cls.id) & condition(cls) for cls in CustomerClass.select()]
    parts.append(Customer.customer_class.is_null() & condition(None))
    return reduce(or_, parts)


def _suspend_overdue(now, report):
    today = now.date()

    def past_grace(cls):
        return Invoice.due_on < today - timedelta(days=cls.grace_days if cls else 0)

    candidates = (Customer.select(Customer.id).distinct()
                  .join(Invoice, on=(Invoice.customer == Customer.id))
                  .where((Invoice.paid < Invoice.amount) & _per_class(past_grace)
                         & (Customer.suspended == False) & Customer.terminated_at.is_null()  # noqa: E712
                         & Customer.suspension_lifted_until.is_null()))

    def suspend(customer):  # checked again in the customer's transaction
        if not overdue_invoices(customer.id, today, grace_days(customer)).exists():
            return False
        customer.suspended = True

    for (customer_id,) in candidates.tuples():
        _change(customer_id, "suspend_overdue", report, suspend, now)


def _expire_provisional(now, report):
    """Past the class's reactivation period a provisional termination becomes permanent."""
    def past_reactivation(cls):
        days = cls.reactivation_days if cls else DEFAULT_REACTIVATION_DAYS
        return Customer.provisionally_terminated_at < now - timedelta(days=days)

    expired = Customer.select(Customer.id).where(Customer.provisionally_terminated_at.is_null(False)
                                                 & Customer.terminated_at.is_null() & _per_class(past_reactivation))

    def terminate(customer):  # checked again in the customer's transaction
        if now <= reactivation_deadline(customer):
            return False
        customer.terminated_at = now

    for (customer_id,) in expired.tuples():
        _change(customer_id, "terminate", report, terminate, now)


def _charge_once(customer_id, kind, reference_id, amount, description, now, report):
    """One periodic charge per customer, kind, source and month."""
    period = periodic.period_of(now)
    with _on_its_own(customer_id, f"{kind}_fee", report):
        _charge_one(customer_id, kind, reference_id, amount, description, now, period, report)


def _charge_one(customer_id, kind, reference_id, amount, description, now, period, report):
    def charge(customer):
        ledger = PeriodicCharge.create(customer=customer_id, kind=kind, reference_id=reference_id, period=period)
        # A fee is not usage: it does not count toward the daily spending limit.
        xdr = apply_charge(customer, amount, kind, f"{description} ({period})", now, usage=False)
        ledger.xdr = xdr.id
        ledger.save()
        return [(kind, "", f"{money_text(amount)} for {period}")]

    try:
        change_customer(customer_id, WHO, "money", f"{kind}_fee", charge)
    except IntegrityError:
        return  # charged already this month (maybe by an overlapping run)
    except (NotFound, Terminated):
        return  # deleted or terminated since the query found it: no fee any more
    except Stale:
        report.add("retried next run")
        return
    report.add(f"{kind}_fee")


def _periodic_charges(now, report):
    """Subscription fees and maintenance fees, as data/periodic.py states the rules
    (the previews on the pages count the same queries)."""
    for sub in periodic.subscription_charges(now):
        _charge_once(sub.customer_id, "subscription", sub.id, sub.fee, f"Subscription: {sub.name}", now, report)
    for customer_id, class_id, class_name, fee, _currency in periodic.maintenance_charges(now).tuples():
        _charge_once(customer_id, "maintenance", class_id, fee, f"Maintenance fee: {class_name}", now, report)


def _rederive(now, report, everyone, batch=5000):
    """Recompute stored statuses that depend on the date (every status with ``everyone``)."""
    query = Customer.select()
    if not everyone:
        query = query.where(status_among(Customer.status, DATED))
    last = 0
    while True:
        customers = list(query.where(Customer.id > last).order_by(Customer.id).limit(batch))
        if not customers:
            return
        for customer in customers:
            stored = customer.status
            customer.prepare(now.date())
            if customer.status != stored:
                _change(customer.id, "status", report, lambda c: None, now)
        last = customers[-1].id


def run(everyone=False):
    """One maintenance pass at the clock's current time (UTC); returns what it did.

    ``everyone`` also re-derives every stored status, not only the date-bound ones.
    """
    now = clock.utcnow()
    report = Report()
    _renew_spending(now, report)
    _end_lifted_suspensions(now, report)
    _suspend_overdue(now, report)
    _expire_provisional(now, report)
    _periodic_charges(now, report)
    _rederive(now, report, everyone)
    # PostgreSQL's kept substring counts gain signed rows with every write; folded here,
    # a count never has a day's pile of them to sum and fold in a visitor's request.
    # Housekeeping, not a change to any customer: logged, not reported.
    if folded := gram_counts.compact():
        log.info("maintenance: %s gram count rows folded", folded)
    return report
