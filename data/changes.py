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
from .access import Forbidden, as_viewer
from .db import is_postgres, write_transaction
from .errors import Conflict, Invalid, NotFound, Stale, Terminated
from .history import record, rows_for, snapshot
from .history import write as write_history
from .models import Customer, save_many
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
    query = Customer.select().where(Customer.id == customer_id)
    if lock and is_postgres():
        query = query.for_update()
    return check(query.first(), who, kind, expected_version, allow_terminated)


def check(customer, who, kind, expected_version=None, allow_terminated=False):
    """``load``'s checks on a customer already read (None: gone); returns it.

    The batches of a bulk job read their customers in one query and check each here,
    so a bulk change and a single one are refused for the same reasons.
    """
    viewer = as_viewer(who)
    customer = viewer.check_visible(customer)
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


def refusal_reason(error):
    """Why the pipeline refused a customer, as a short phrase for a bulk job's result
    ("it is blocked", "it is permanently terminated")."""
    if isinstance(error, Terminated):
        return "it is permanently terminated"
    if isinstance(error, NotFound):
        return "it is no longer within reach (or no longer exists)"
    if isinstance(error, Invalid):
        return "; ".join(error.errors.values())
    if isinstance(error, Conflict):
        return "; ".join(error.reasons) or error.message
    return str(error)


REFUSALS = (Conflict, Invalid, NotFound, Forbidden)


def change_many(customer_ids, who, kind, action, change, actor=None):
    """``change_customer`` for many customers at once: what a bulk job's batch does.

    Must run inside the caller's write transaction (the batch's, which also moves
    the job's checkpoint). The customers are read in one query and each goes
    through ``check`` and ``change`` exactly as a single change does; the history
    of the whole batch is written in one insert, naming ``actor`` (default: the
    viewer's name). Returns ``[(customer_id, name, reason)]`` in ``customer_ids``'
    order, ``reason`` None for a customer changed. A customer someone else changed
    between our read and our write (``Stale``, PostgreSQL only: SQLite's write
    transaction holds the lock from the start) is read again under its row lock
    and done again, so neither change is lost.
    """
    viewer = as_viewer(who)
    actor = actor or viewer.name
    found = {c.id: c for c in Customer.select().where(Customer.id.in_(list(customer_ids)))}
    reasons, done = {}, []
    for customer_id in customer_ids:
        prepared = _prepare(found.get(customer_id), customer_id, viewer, kind, change, reasons)
        if prepared is not None:
            done.append(prepared)
    stale = save_many([customer for customer, _, _ in done])
    history = []
    for customer, before, extra in done:
        customer_id = customer.id
        if customer_id in stale:
            again = Customer.select().where(Customer.id == customer_id)
            prepared = _prepare((again.for_update() if is_postgres() else again).first(), customer_id, viewer, kind,
                                change, reasons, save=True)
            if prepared is None:
                continue
            customer, before, extra = prepared
            found[customer_id] = customer
        history += rows_for(customer, actor, action, before, extra=extra or ())
    write_history(history)
    return [(customer_id, found[customer_id].name if customer_id in found else "", reasons.get(customer_id))
            for customer_id in customer_ids]


def _prepare(customer, customer_id, viewer, kind, change, reasons, save=False):
    """One customer of a batch through ``check`` and ``change`` (and saved, with
    ``save``): ``(customer, before, extra)``, or None with its reason noted in
    ``reasons`` when it is refused or has nothing to change."""
    try:
        customer = check(customer, viewer, kind)
        before = snapshot(customer)
        extra = change(customer)
        if extra is SKIP:
            reasons[customer_id] = "nothing to change"
            return None
        if save:
            customer.save()
    except REFUSALS as refusal:
        reasons[customer_id] = refusal_reason(refusal)
        return None
    return customer, before, extra
