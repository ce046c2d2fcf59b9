"""The history of a customer: every change, who made it, old -> new."""
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from . import clock
from .db import db
from .models import Customer, CustomerClass
from .money import money_text
from .records import History
from .status import BY_CODE

# Fields never written to the history: secrets and bookkeeping.
UNRECORDED = ("password_hash", "version")


def show(value):
    """A value as the history shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Customer, CustomerClass)):
        return value.name
    return str(value)


def snapshot(customer):
    """The recordable field values of ``customer`` (to diff against later)."""
    return {name: customer.__data__.get(name) for name in customer._meta.fields if name not in UNRECORDED}


def record(customer, actor, action, before=None, extra=()):
    """Write history rows for ``action`` on ``customer``.

    With ``before`` (a snapshot), one row per field that changed, plus one for
    the status if it changed; ``extra`` adds ``(field, old, new)`` rows of its
    own (a password reset, say, without its value). Without either, one row
    that names the action.
    """
    History.insert_many(rows_for(customer, actor, action, before, extra)).execute()


def rows_for(customer, actor, action, before=None, extra=()):
    """The history rows ``record`` writes, as dicts (a bulk job inserts a batch's at once)."""
    rows = []
    if before is not None:
        after = snapshot(customer)
        for field, old in before.items():
            new = after.get(field)
            if old != new:
                rows.append((field, _label(field, old), _label(field, new)))
    rows += list(extra)
    if not rows:
        rows = [("", "", "")]
    return [dict(customer_id=customer.id, customer_name=customer.name, actor=actor, action=action,
                 field=field, old_value=old, new_value=new) for field, old, new in rows]


_COLUMNS = ("customer_id", "customer_name", "at", "actor", "action", "field", "old_value", "new_value")


def write(rows):
    """Insert history rows (dicts from ``rows_for``), one statement run for them all: a
    bulk job's batch writes a thousand at once (Peewee's insert_many, building the SQL of
    every row, cost more than the database's work)."""
    if not rows:
        return
    at = History.at.db_value(clock.utcnow())
    values = [(r["customer_id"], r["customer_name"], at, r["actor"], r["action"], r["field"], r["old_value"],
               r["new_value"]) for r in rows]
    db.cursor().executemany(_insert_sql(type(db.obj).__name__), values)


@lru_cache(maxsize=4)
def _insert_sql(_dialect):
    names = ", ".join(f'"{History._meta.fields[c].column_name}"' for c in _COLUMNS)
    return f'INSERT INTO "{History._meta.table_name}" ({names}) VALUES ({", ".join([db.param] * len(_COLUMNS))})'


def _label(field, value):
    if field == "status" and value is not None:
        return BY_CODE[value].label
    if field in ("reseller", "distributor") and value is not None:
        return show(Customer.select(Customer.name).where(Customer.id == value).scalar())
    if field == "customer_class" and value is not None:
        return show(CustomerClass.select(CustomerClass.name).where(CustomerClass.id == value).scalar())
    return show(value)


def entries(customer_id, limit=50):
    """The customer's history, newest first."""
    return list(History.select().where(History.customer_id == customer_id)
                .order_by(History.at.desc(), History.id.desc()).limit(limit))


def import_rows(actor, path, at):
    """A function giving the history row of one imported customer, as a tuple in
    ``History``'s column order without ``id`` (for bulk writes): who imported it
    (``actor``), when, and from which file."""
    fields = [f for f in History._meta.sorted_fields if f.name != "id"]
    values = {"at": at, "actor": actor[:History.actor.max_length], "action": "import", "field": "file",
              "old_value": "", "new_value": path}

    def row(customer_id, name):
        values["customer_id"], values["customer_name"] = customer_id, name
        return tuple(f.db_value(values[f.name]) for f in fields)

    return row
