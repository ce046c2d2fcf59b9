"""Who may see and change which customers. Enforced here, in the queries, not
only hidden in the pages: every list, count, export, lookup and change takes a
``Viewer`` and stays inside its reach.

``PERMISSIONS`` is the only place roles are defined: a role is a row there (its
label, the kinds of change it may make, and whose customers it sees), not a
database constraint, so a new role is one entry here.
"""
from dataclasses import dataclass

from .errors import NotFound
from .models import Customer

# Every kind of change the app knows, and how a refusal names it.
KINDS = {
    "edit": "edit customers",
    "status": "change a customer's status",
    "money": "record payments and charges",
    "password": "set web self-care passwords",
    "delete": "delete customers",
    "create": "create customers",
    "export_file": "export customers to another installation",
    "opening_amounts": "open a customer with a balance or funds",
    "manage_users": "manage users",
    "sign_in_rules": "set the sign-in rules (required two-factor sign-in)",
    "subscriptions": "add or end subscriptions",
    "classes": "manage customer classes",
}
# What reseller staff do to their reseller's customers; opening amounts stay the
# operator's (money then enters through payments, each in the history).
# Subscriptions are what a reseller sells its customers. Customer classes (fees, grace and
# reactivation periods) are the operator's price list: only its administrators change them.
_CUSTOMER_WORK = frozenset({"edit", "status", "money", "password", "delete", "create", "export_file",
                            "subscriptions"})


@dataclass(frozen=True)
class Role:
    label: str
    may: frozenset = frozenset()
    # None: sees every customer; "reseller"/"distributor": only that owner's customers.
    owner_kind: str | None = None


PERMISSIONS = {
    "operator_admin": Role("Operator administrator", frozenset(KINDS)),
    "operator_viewer": Role("Operator viewer (read-only)"),
    "reseller_staff": Role("Reseller staff", _CUSTOMER_WORK, owner_kind="reseller"),
    "distributor_staff": Role("Distributor staff (read-only)", owner_kind="distributor"),
    # A subscription is a recurring charge: billing work, like a manual charge.
    "billing_clerk": Role("Billing clerk", frozenset({"money", "subscriptions"})),
}
# Derived views of the table, for the command line, the pages and data/users.py.
ROLES = {code: role.label for code, role in PERMISSIONS.items()}
OWNER_ROLES = {code: role.owner_kind for code, role in PERMISSIONS.items() if role.owner_kind}


class Forbidden(Exception):
    """The viewer may see this but not do this (a 403)."""


@dataclass(frozen=True)
class Viewer:
    name: str
    role: str
    owner_id: int | None = None
    owner_name: str = ""
    # Where the viewer acts from, as the activity log names it (a key of history.SOURCES):
    # signed-in users are "web"; plain names passed by trusted callers are commands.
    source: str = "command"

    @property
    def owner_kind(self):
        """``"reseller"`` or ``"distributor"`` for staff; None for the operator's people."""
        return OWNER_ROLES.get(self.role)

    def may(self, kind):
        """Whether this viewer's role allows ``kind`` of change (a key of ``KINDS``)."""
        if kind not in KINDS:  # a typo must not quietly refuse (or allow) everything
            raise ValueError(f"unknown kind of change “{kind}”")
        role = PERMISSIONS.get(self.role)
        return role is not None and kind in role.may

    def check_may(self, kind):
        """Raise ``Forbidden`` unless this viewer may make ``kind`` of change."""
        if not self.may(kind):
            label = ROLES.get(self.role, self.role)
            if not self.may_change_anything:
                raise Forbidden(f"{label} cannot change customers")
            raise Forbidden(f"{label} cannot {KINDS[kind]}")

    @property
    def may_change_anything(self):
        """Whether the role allows any change at all (read-only roles: no)."""
        role = PERMISSIONS.get(self.role)
        return role is not None and bool(role.may)

    def allows(self, customer):
        """Whether ``customer`` is inside this viewer's reach."""
        if self.owner_kind == "reseller":
            return customer.reseller_id == self.owner_id
        if self.owner_kind == "distributor":
            return customer.distributor_id == self.owner_id
        return True

    def reach(self, model=Customer):
        """The SQL condition for this viewer's reach over ``model``'s ``reseller_id`` /
        ``distributor_id`` columns (customers, an alias of them, or history rows, which
        keep the owners of their time); None when the viewer sees everything."""
        if self.owner_kind in ("reseller", "distributor"):
            return getattr(model, f"{self.owner_kind}_id") == self.owner_id
        return None

    def check_visible(self, customer):
        """Raise ``NotFound`` for a customer outside the reach: its existence is not revealed."""
        if customer is None or not self.allows(customer):
            raise NotFound("no such customer")
        return customer

    def credit_limit_ceiling(self):
        """``(limited, ceiling)``: the highest credit limit this viewer may give a customer.

        Operators: any (``(False, None)``). Reseller staff: at most their reseller's own
        credit limit (``(True, amount)``), or any when the operator gave the reseller none.
        """
        if self.owner_kind != "reseller":
            return False, None
        owner = Customer.get_or_none(Customer.id == self.owner_id)
        if owner is None or owner.credit_limit is None:
            return False, None
        return True, owner.credit_limit


# What the data layer uses when nobody signed in is involved (commands, maintenance).
SYSTEM = Viewer("system", "operator_admin")


def as_viewer(who):
    """A ``Viewer`` from what callers pass: a Viewer (web requests), or a plain name
    for trusted callers that act with the operator's full rights (commands,
    maintenance, imports)."""
    return who if isinstance(who, Viewer) else Viewer(str(who), "operator_admin")


def find_customer(who, customer_id):
    """The customer with ``customer_id`` if ``who`` may see it, else ``NotFound``."""
    return as_viewer(who).check_visible(Customer.get_or_none(Customer.id == customer_id))
