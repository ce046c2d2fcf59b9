"""The customer status table of the spec, and the rule that picks the one status shown.

A customer can be in several states at once (blocked *and* over the credit limit);
the list shows only the one with the highest priority (1 = highest). "Active" is
what remains when nothing else applies, and the list shows no label for it.
"""
from dataclasses import dataclass
from decimal import Decimal

from peewee import SmallIntegerField


@dataclass(frozen=True)
class Status:
    priority: int
    code: str
    label: str
    description: str


STATUSES = (
    Status(1, "permanently_terminated", "Permanently terminated",
           "Closed; kept only for informational and regulatory purposes. No further operations are possible."),
    Status(2, "blocked", "Blocked",
           "Blocked by an administrator: no call services and no self-care access until the block is removed. "
           "No maintenance fees are charged while blocked; subscription fees still apply."),
    Status(3, "suspended", "Suspended",
           "Services suspended because of an overdue invoice; lifted automatically once it is paid."),
    Status(4, "provisionally_terminated", "Provisionally terminated",
           "All services terminated; the customer can be restored within the class's reactivation period "
           "(30 days unless the class sets another)."),
    Status(5, "credit_exceeded", "Credit exceeded",
           "Postpaid balance is above the credit limit: only free calls are allowed."),
    Status(6, "no_available_funds", "No available funds",
           "Prepaid funds are used up: services are unavailable until a payment is made."),
    Status(7, "suspension_lifted", "Suspension lifted",
           "The suspension was lifted by an administrator until a set date."),
    Status(8, "payment_frozen", "Payment frozen",
           "Payments are suspended after repeated errors (e.g. a cancelled credit card)."),
    Status(9, "spending_limit_reached", "Spending limit reached",
           "Today's spending limit is reached; it renews at 00:00:00 UTC."),
    Status(10, "exported", "Exported",
           "Ported to another installation; not operational here, data kept as a backup."),
    Status(11, "active", "Active", "Services are available."),
)

BY_CODE = {s.code: s for s in STATUSES}
BY_PRIORITY = {s.priority: s for s in STATUSES}
CODES = tuple(s.code for s in STATUSES)
ACTIVE = "active"



def spent_on(customer, day):
    """What the customer has spent on ``day`` (UTC): the counter only holds one day's total."""
    return customer.spent_today if customer.spending_date == day else Decimal(0)

def applicable_statuses(customer, today):
    """Codes of every status whose condition holds for ``customer`` on ``today``.

    ``customer`` is anything with the Customer attributes (a model instance in
    practice). The order is the spec's priority order.
    """
    c = customer
    found = []
    if c.terminated_at is not None:
        found.append("permanently_terminated")
    if c.blocked:
        found.append("blocked")
    if c.suspended:
        found.append("suspended")
    if c.provisionally_terminated_at is not None:
        found.append("provisionally_terminated")
    if (c.balance_control == "postpaid" and c.credit_limit is not None
            and c.balance > c.credit_limit):
        found.append("credit_exceeded")
    if c.balance_control == "prepaid" and c.available_funds <= 0:
        found.append("no_available_funds")
    if c.suspension_lifted_until is not None and c.suspension_lifted_until >= today:
        found.append("suspension_lifted")
    if c.payment_frozen:
        found.append("payment_frozen")
    if c.daily_spending_limit is not None and spent_on(c, today) >= c.daily_spending_limit:
        found.append("spending_limit_reached")
    if c.exported_at is not None:
        found.append("exported")
    return found


def derive_status(customer, today):
    """The one status code the customer shows: the highest-priority one that applies."""
    found = applicable_statuses(customer, today)
    return found[0] if found else ACTIVE


class StatusField(SmallIntegerField):
    """Stores a status as its priority so that sorting by status sorts by severity.

    Python code only ever sees the machine code (``"blocked"``); the database
    holds 2, which an index can order and filter on cheaply.
    """

    def db_value(self, value):
        if value is None:
            return None
        try:
            return BY_CODE[value].priority
        except KeyError:
            raise ValueError(f"unknown status {value!r}") from None

    def python_value(self, value):
        return None if value is None else BY_PRIORITY[value].code
