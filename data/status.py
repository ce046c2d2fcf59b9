"""The customer status table of the spec, and the rule that picks the one status shown.

A customer can be in several states at once (blocked *and* over the credit limit);
the list shows only the one with the highest priority (1 = highest). "Active" is
what remains when nothing else applies, and the list shows no label for it.

The database stores the code (``"blocked"``), never the priority: the priority
lives only in ``STATUSES``. Sorting by status still sorts by severity from an
index: ``severity`` writes the priority as a SQL ``CASE`` over the codes, and the
index ``customer_status`` is built on that very expression, then the code and the
id (migration 0011).

A new status is one row in ``STATUSES`` (with its condition) plus a migration
whose ``STATEMENTS`` is ``m0011_status_codes.SEVERITY_INDEX``, which rebuilds the
index from the new table (tests/test_query_plans.py fails until it exists); the
README's design notes list the rest (demo recipe, product description, badge colour).
"""
from dataclasses import dataclass
from decimal import Decimal

from peewee import SQL, CharField, NodeList


def spent_on(customer, day):
    """What the customer has spent on ``day`` (UTC): the counter only holds one day's total."""
    return customer.spent_today if customer.spending_date == day else Decimal(0)


def is_terminated(customer):
    """Permanently terminated? Then it is kept for regulatory purposes only: no
    further operations, no deletion. The one place that question is answered
    (``Customer.is_terminated`` asks it for templates)."""
    return customer.terminated_at is not None


@dataclass(frozen=True)
class Status:
    priority: int
    code: str
    label: str
    description: str
    # Whether it holds for a customer (anything with the Customer attributes) on a day.
    applies: object = None
    # It can start or end with the date alone, so maintenance re-derives it daily.
    dated: bool = False

    @property
    def is_active(self):
        """The status of a customer nothing else applies to (shown without a badge)."""
        return self.code == ACTIVE


STATUSES = (
    Status(1, "permanently_terminated", "Permanently terminated",
           "Closed; kept only for informational and regulatory purposes. No further operations are possible.",
           lambda c, today: is_terminated(c)),
    Status(2, "blocked", "Blocked",
           "Blocked by an administrator: no call services and no self-care access until the block is removed. "
           "No maintenance fees are charged while blocked; subscription fees still apply.",
           lambda c, today: c.blocked),
    Status(3, "suspended", "Suspended",
           "Services suspended because of an overdue invoice; lifted automatically once it is paid.",
           lambda c, today: c.suspended),
    Status(4, "provisionally_terminated", "Provisionally terminated",
           "All services terminated; the customer can be restored within the class's reactivation period "
           "(30 days unless the class sets another).",
           lambda c, today: c.provisionally_terminated_at is not None),
    Status(5, "credit_exceeded", "Credit exceeded",
           "Postpaid balance is above the credit limit: only free calls are allowed.",
           lambda c, today: (c.balance_control == "postpaid" and c.credit_limit is not None
                             and c.balance > c.credit_limit)),
    Status(6, "no_available_funds", "No available funds",
           "Prepaid funds are used up: services are unavailable until a payment is made.",
           lambda c, today: c.balance_control == "prepaid" and c.available_funds <= 0),
    Status(7, "suspension_lifted", "Suspension lifted",
           "The suspension was lifted by an administrator until a set date.",
           lambda c, today: c.suspension_lifted_until is not None and c.suspension_lifted_until >= today,
           dated=True),
    Status(8, "payment_frozen", "Payment frozen",
           "Payments are suspended after repeated errors (e.g. a cancelled credit card).",
           lambda c, today: c.payment_frozen),
    Status(9, "spending_limit_reached", "Spending limit reached",
           "Today's spending limit is reached; it renews at 00:00:00 UTC.",
           lambda c, today: c.daily_spending_limit is not None and spent_on(c, today) >= c.daily_spending_limit,
           dated=True),
    Status(10, "exported", "Exported",
           "Ported to another installation; not operational here, data kept as a backup.",
           lambda c, today: c.exported_at is not None),
    Status(11, "active", "Active", "Services are available."),
)

BY_CODE = {s.code: s for s in STATUSES}
CODES = tuple(s.code for s in STATUSES)
ACTIVE = "active"
# Statuses that the date alone can start or end (maintenance re-derives them).
DATED = tuple(s.code for s in STATUSES if s.dated)


def applicable_statuses(customer, today):
    """Codes of every status whose condition holds for ``customer`` on ``today``.

    ``customer`` is anything with the Customer attributes (a model instance in
    practice). The order is the spec's priority order.
    """
    return [s.code for s in STATUSES if s.applies is not None and s.applies(customer, today)]


def derive_status(customer, today):
    """The one status code the customer shows: the highest-priority one that applies."""
    found = applicable_statuses(customer, today)
    return found[0] if found else ACTIVE


def _whens():
    # Codes are written into SQL as literals: only plain lower-case words are accepted.
    odd = [s.code for s in STATUSES if not (s.code.replace("_", "").isalpha() and s.code.islower())]
    if odd:
        raise ValueError(f"status codes must be lower-case words: {odd}")
    return " ".join(f"WHEN '{s.code}' THEN {s.priority}" for s in STATUSES)


def severity_sql(column="status"):
    """``CASE status WHEN 'permanently_terminated' THEN 1 ... END``: the priority of
    the stored code, as the index ``customer_status`` is built on it. Values are
    literals: an index expression takes no parameters, and a query is answered from
    the index only when it has the same expression, literals included."""
    return f"CASE {column} {_whens()} END"


def severity(column):
    """``severity_sql`` over a Peewee ``column`` (``Customer.status``): ORDER BY it, or
    a condition on it, is answered from the index ``customer_status``."""
    return NodeList((SQL("(CASE"), column, SQL(f"{_whens()} END)")))


def status_among(column, codes):
    """SQL: the status stored in ``column`` is one of ``codes``, through the severity index
    (the stored codes have no index of their own)."""
    return severity(column).in_([BY_CODE[code].priority for code in codes])


class StatusField(CharField):
    """Stores a status as its code (``"blocked"``); unknown codes are refused.

    Conditions on it go through ``severity``/``status_among`` to use an index.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def db_value(self, value):
        if value is None:
            return None
        if value not in BY_CODE:
            raise ValueError(f"unknown status {value!r}")
        return value
