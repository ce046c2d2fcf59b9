"""The one way an existing customer is changed: web forms, commands and maintenance
all come through ``change_customer``.

In one write transaction it loads the customer through the viewer's reach
(``NotFound`` otherwise), checks that the viewer's role allows this kind of
change (``Forbidden``), the version the form was shown (``Stale``) and that the
customer is not permanently terminated (``Terminated``), snapshots the fields,
hands the customer to the change, saves it (``Customer.save`` normalises the
text, derives the status and writes the search copy) and records one history
row per changed field. A rule that refuses the change raises (``Invalid``,
``Conflict``) and the transaction writes nothing.
"""
from .access import as_viewer
from .db import is_postgres, write_transaction
from .errors import Stale, Terminated
from .history import record, snapshot
from .models import Customer
from .status import is_terminated

# What a change function returns to have nothing written (maintenance: on a second
# look inside the transaction, there was nothing to do after all).
SKIP = object()


def load(customer_id, who, kind, expected_version=None, allow_terminated=False, lock=False):
    """The customer, if ``who`` may see it and make ``kind`` of change to it.

    Checked in this order, so nothing (not even a bad version) is told about a
    customer out of reach: reach (``NotFound``), permission (``Forbidden``),
    version (``Stale``), permanent termination (``Terminated``, unless allowed).
    ``lock`` takes the row lock on PostgreSQL (for a delete, which no version guards).
    """
    viewer = as_viewer(who)
    query = Customer.select().where(Customer.id == customer_id)
    if lock and is_postgres():
        query = query.for_update()
    customer = viewer.check_visible(query.first())
    viewer.check_may(kind)
    if expected_version is not None and str(expected_version).strip() != str(customer.version):
        raise Stale(f"Customer “{customer.name}” was changed by someone else. Reload the page to see "
                    "the current values, then make your change again.")
    if is_terminated(customer) and not allow_terminated:
        raise Terminated(f"Customer “{customer.name}” is permanently terminated",
                         ["it is kept for informational and regulatory purposes; no further changes are possible"])
    return customer


def change_customer(customer_id, who, kind, action, change, expected_version=None, allow_terminated=False):
    """Apply ``change(customer)`` for ``who`` and return the saved customer.

    ``kind`` is the permission it needs (a key of ``access.KINDS``), ``action``
    the name the history gives it. ``change`` may return history rows of its own
    (``(field, old, new)``: a payment's amount, a password set without its value),
    added after the changed fields, or ``SKIP`` to write nothing.
    """
    viewer = as_viewer(who)
    with write_transaction():
        customer = load(customer_id, viewer, kind, expected_version, allow_terminated)
        before = snapshot(customer)
        extra = change(customer)
        if extra is SKIP:
            return customer
        customer.save()
        record(customer, viewer, action, before, extra=extra or ())
    return customer
