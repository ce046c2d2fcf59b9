"""Who may see and change which customers. Enforced here, in the queries, not
only hidden in the pages: every list, count, export, lookup and change takes a
``Viewer`` and stays inside its reach."""
from dataclasses import dataclass

from .errors import NotFound
from .models import Customer

ROLES = {
    "operator_admin": "Operator administrator",
    "operator_viewer": "Operator viewer (read-only)",
    "reseller_staff": "Reseller staff",
    "distributor_staff": "Distributor staff (read-only)",
}
OWNER_ROLES = {"reseller_staff": "reseller", "distributor_staff": "distributor"}


class Forbidden(Exception):
    """The viewer may see this but not do this (a 403)."""


@dataclass(frozen=True)
class Viewer:
    name: str
    role: str
    owner_id: int | None = None
    owner_name: str = ""

    @property
    def owner_kind(self):
        """``"reseller"`` or ``"distributor"`` for staff; None for the operator's people."""
        return OWNER_ROLES.get(self.role)

    @property
    def can_change(self):
        return self.role in ("operator_admin", "reseller_staff")

    def allows(self, customer):
        """Whether ``customer`` is inside this viewer's reach."""
        if self.owner_kind == "reseller":
            return customer.reseller_id == self.owner_id
        if self.owner_kind == "distributor":
            return customer.distributor_id == self.owner_id
        return True

    def check_visible(self, customer):
        """Raise ``NotFound`` for a customer outside the reach: its existence is not revealed."""
        if customer is None or not self.allows(customer):
            raise NotFound("no such customer")
        return customer

    def check_can_change(self):
        if not self.can_change:
            raise Forbidden(f"{ROLES[self.role]} cannot change customers")

    @property
    def sets_opening_amounts(self):
        """Whether this viewer may open a customer with a balance or available funds.

        Only the operator's people: reseller staff create customers at zero, and
        money then enters through payments, each in the history.
        """
        return self.owner_kind is None

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
