"""Status changes an administrator can make, and the rules that allow them.

Every change goes through ``changes.change_customer`` (reach, permission,
version, "not permanently terminated", history); this module adds which actions
are valid for the customer's state right now.
"""
from datetime import date, timedelta
from decimal import Decimal

from . import clock
from .changes import change_customer
from .errors import Conflict, Invalid
from .money import MoneyError, parse_money
from .status import BY_CODE, is_terminated, spent_on

DEFAULT_REACTIVATION_DAYS = 30

ACTIONS = {
    "block": "Block",
    "unblock": "Unblock",
    "lift_suspension": "Lift the suspension until a date",
    "provisionally_terminate": "Terminate provisionally",
    "restore": "Restore customer",
    "permanently_terminate": "Terminate permanently",
    "export": "Export to another installation",
    "activate": "Make active again",
    "unfreeze_payments": "Unfreeze payments",
    "reset_spending": "Reset today's spending",
    "set_spending_limit": "Modify spending limit",
}


def reactivation_days(customer):
    cls = customer.customer_class
    return cls.reactivation_days if cls is not None else DEFAULT_REACTIVATION_DAYS


def reactivation_deadline(customer):
    """Until when a provisionally terminated customer can be restored."""
    if customer.provisionally_terminated_at is None:
        return None
    return customer.provisionally_terminated_at + timedelta(days=reactivation_days(customer))


def available_actions(customer, now=None):
    """The action codes valid for ``customer`` at ``now``, in the order to offer them."""
    now = now or clock.utcnow()
    if is_terminated(customer):
        return []
    if customer.exported_at is not None:
        return ["activate", "permanently_terminate"]
    if customer.provisionally_terminated_at is not None:
        restorable = now <= reactivation_deadline(customer)
        return (["restore"] if restorable else []) + ["permanently_terminate"]
    actions = ["unblock" if customer.blocked else "block"]
    if customer.suspended or customer.suspension_lifted_until is not None:
        actions.append("lift_suspension")
    if customer.payment_frozen:
        actions.append("unfreeze_payments")
    if spent_on(customer, now.date()) > 0:
        actions.append("reset_spending")
    actions += ["set_spending_limit", "provisionally_terminate", "permanently_terminate", "export"]
    return actions


def _date(value, field):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise Invalid({field: "must be a date (YYYY-MM-DD)"}) from None


def _limit(value):
    try:
        amount = parse_money(value)
    except MoneyError as error:
        raise Invalid({"daily_spending_limit": str(error)}) from None
    if amount is not None and amount < 0:
        raise Invalid({"daily_spending_limit": "must not be negative"})
    return amount


def _apply(customer, action, now, params):
    today = now.date()
    if action in ("block", "unblock"):
        customer.blocked = action == "block"
    elif action == "lift_suspension":
        until = _date(params.get("until"), "until")
        if until < today:
            raise Invalid({"until": "must be today or later"})
        customer.suspended = False
        customer.suspension_lifted_until = until
    elif action == "provisionally_terminate":
        customer.provisionally_terminated_at = now
    elif action == "restore":
        customer.provisionally_terminated_at = None
    elif action == "permanently_terminate":
        customer.terminated_at = now
    elif action == "export":
        customer.exported_at = now
    elif action == "activate":
        customer.exported_at = None
    elif action == "unfreeze_payments":
        customer.payment_frozen = False
        customer.failed_payments = 0
    elif action == "reset_spending":
        customer.spent_today = Decimal(0)
    elif action == "set_spending_limit":
        customer.daily_spending_limit = _limit(params.get("limit"))


def kind_of(action):
    """The permission an action needs: exporting hands the customer's data out, so
    it is a kind of its own; every other action changes the status."""
    return "export_file" if action == "export" else "status"


def status_change(action, now=None, **params):
    """The change function of ``action`` for the pipeline (``change_customer`` or a bulk
    job's ``change_many``): it refuses an action not possible for the customer now
    (``Conflict``), else applies it."""
    now = now or clock.utcnow()

    def change(customer):
        # Reach came first (in the pipeline): nothing, not even a bad parameter, is
        # answered for a customer out of reach.
        if action not in ACTIONS:
            raise Invalid({"action": f"“{action}” is not a status change"})
        if action not in available_actions(customer, now):
            raise Conflict(f"“{ACTIONS[action]}” is not possible for customer “{customer.name}” now",
                           [_why_not(action, customer)])
        _apply(customer, action, now, params)

    return change


def _why_not(action, customer):
    """Why ``action`` is not offered to ``customer``, in the words a bulk job's preview
    counts by ("already blocked 30"): the state the action would reach, else the status."""
    if action == "block" and customer.blocked:
        return "already blocked"
    if action == "unblock" and not customer.blocked:
        return "not blocked"
    if action == "provisionally_terminate" and customer.provisionally_terminated_at is not None:
        return "already terminated provisionally"
    return f"it is {BY_CODE[customer.status].label.lower()}"


def perform(customer_id, action, who, expected_version=None, now=None, **params):
    """Carry out ``action`` on the customer for ``who``; return the saved customer.

    Raises ``NotFound`` (also outside ``who``'s reach), ``Forbidden`` (a role that
    may not), ``Stale`` (someone else changed it), ``Conflict`` (not allowed now, or
    terminated) or ``Invalid`` (a parameter is wrong).
    """
    return change_customer(customer_id, who, kind_of(action), action, status_change(action, now, **params),
                           expected_version)
