"""What the customer list's bulk actions do to each customer, and their preview.

Every action runs through the one change pipeline (data/changes.py: reach,
permission, version, terminated, history), a batch at a time (``apply``). The
preview answers "Block 1,234 customers: 1,200 will change; 34 will be skipped:
…" without reading a million rows into Python: the selection is grouped in SQL
by the columns the action's rule reads (``rule_columns``), and the rule itself
(the same ``check`` and change function a job runs, on a copy that is never
saved) is asked once per group, about the group's first customer.
"""
from collections import Counter
from dataclasses import dataclass, field

from peewee import fn

from . import changes, clock, deletion, lifecycle, search
from .deletion import BLOCKERS, row_flags
from .errors import Invalid
from .models import Customer, CustomerClass

C = Customer


@dataclass(frozen=True)
class BulkAction:
    code: str
    label: str               # the menu's and the result's name for it
    verb: str                # "Block 1,234 customers"
    kind: str | None         # the permission it needs (data.access.KINDS); None: reading only
    typed_confirmation: bool = False   # the admin types the number of customers first
    needs_class: bool = False


ACTIONS = {a.code: a for a in (
    BulkAction("block", "Block", "Block", "status"),
    BulkAction("unblock", "Unblock", "Unblock", "status"),
    BulkAction("provisionally_terminate", "Terminate provisionally", "Terminate provisionally", "status"),
    BulkAction("permanently_terminate", "Terminate permanently", "Terminate permanently", "status",
               typed_confirmation=True),
    BulkAction("change_class", "Change customer class", "Change the customer class of", "edit", needs_class=True),
    BulkAction("delete", "Delete", "Delete", "delete"),
    BulkAction("export", "Export as CSV", "Export", None),
)}
# What a job runs (export is a download, not a job).
JOB_ACTIONS = tuple(code for code, action in ACTIONS.items() if action.kind is not None)
STATUS_ACTIONS = ("block", "unblock", "provisionally_terminate", "permanently_terminate")


def may(viewer, code):
    """Whether ``viewer``'s role allows the bulk action ``code``."""
    action = ACTIONS[code]
    return action.kind is None or viewer.may(action.kind)


def offered(viewer):
    """The actions to offer ``viewer`` (only what the role may do), in menu order."""
    return [action for code, action in ACTIONS.items() if may(viewer, code)]


def target_class(code, argument):
    """The customer class of "change class" (``Invalid`` if there is none such); None otherwise."""
    if not ACTIONS[code].needs_class:
        return None
    try:
        found = CustomerClass.get_or_none(CustomerClass.id == int(str(argument).strip()))
    except ValueError:
        found = None
    if found is None:
        raise Invalid({"customer_class": "choose a customer class"})
    if found.retired_at is not None:
        # As on the edit form: customers in a retired class keep it, nobody new is put in it.
        raise Invalid({"customer_class": f"the customer class “{found.name}” is retired: choose another"})
    return found


def _class_change(class_id):
    def change(customer):
        if customer.customer_class_id == class_id:
            return changes.SKIP
        customer.customer_class = class_id
        return None
    return change


def apply(code, argument, ids, viewer, actor, now=None):
    """Run the action on the customers ``ids`` (inside the caller's write transaction):
    ``[(customer_id, name, reason)]``, reason None for a customer changed."""
    if code in STATUS_ACTIONS:
        return changes.change_many(ids, viewer, "status", code, lifecycle.status_change(code, now or clock.utcnow()),
                                   actor)
    if code == "change_class":
        return changes.change_many(ids, viewer, "edit", "change class", _class_change(int(argument)), actor)
    if code == "delete":
        return deletion.delete_many(ids, viewer, actor)
    raise ValueError(f"“{code}” is not a bulk job")


def rule_columns(code, argument):
    """The customer columns the action's rule reads: customers alike in these get the same answer."""
    if code in STATUS_ACTIONS:
        return [C.blocked, C.terminated_at.is_null(), C.exported_at.is_null(),
                C.provisionally_terminated_at.is_null(), C.status]
    if code == "change_class":
        return [C.terminated_at.is_null(), fn.COALESCE(C.customer_class, 0) == int(argument)]
    if code == "delete":
        return [C.terminated_at.is_null(), *[deletion._exists(model, column, C.id) for _, model, column in BLOCKERS]]
    return []


def _dry_run(code, argument, customer, viewer, now):
    """Why the action would skip ``customer`` (None: it would change it); nothing is saved."""
    try:
        if code == "delete":
            changes.check(customer, viewer, "delete", allow_terminated=True)
            return row_flags([customer.id])[customer.id].why_not or None
        kind = ACTIONS[code].kind
        changes.check(customer, viewer, kind)
        change = (lifecycle.status_change(code, now) if code in STATUS_ACTIONS else _class_change(int(argument)))
        return "nothing to change" if change(customer) is changes.SKIP else None
    except changes.REFUSALS as refusal:
        return changes.refusal_reason(refusal)


@dataclass
class Preview:
    """What running the action on the selection would do."""
    action: BulkAction
    total: int = 0
    will_change: int = 0
    skipped: Counter = field(default_factory=Counter)   # reason -> how many

    @property
    def will_skip(self):
        return sum(self.skipped.values())


def preview(code, argument, selection, viewer, extra=()):
    """The preview of running ``code`` on the customers ``selection`` (a data.search.Search
    within ``viewer``'s reach) matches; ``extra`` narrows it (the ticked rows)."""
    action = ACTIONS[code]
    result = Preview(action)
    if code == "export":
        result.total = result.will_change = search.count(selection) if not extra else len(
            search.ids_after(selection, 0, 10**6, extra))
        return result
    now = clock.utcnow()
    for _values, count, first_id in search.grouped(selection, rule_columns(code, argument), extra):
        result.total += count
        reason = _dry_run(code, argument, Customer.get_by_id(first_id), viewer, now)
        if reason is None:
            result.will_change += count
        else:
            result.skipped[reason] += count
    return result
