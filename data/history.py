"""The history of a customer: every change, who made it, old -> new."""
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from . import clock
from .access import as_viewer
from .bulk import stored_datetime
from .db import db
from .models import Customer, CustomerClass
from .money import money_text
from .records import History
from .status import BY_CODE

# Where a change came from, as the activity log names it. "bulk_job": changes made
# by a background job over many customers (written by the job system to come).
SOURCES = {"web": "Web", "command": "Command", "maintenance": "Maintenance", "import": "Import",
           "bulk_job": "Bulk job"}

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


def record(customer, who, action, before=None, extra=()):
    """Write history rows for ``action`` on ``customer`` by ``who`` (a ``Viewer``, whose
    name and source the rows keep, or a plain name: a command).

    With ``before`` (a snapshot), one row per field that changed, plus one for
    the status if it changed; ``extra`` adds ``(field, old, new)`` rows of its
    own (a password reset, say, without its value). Without either, one row
    that names the action. Each row keeps the customer's owners as they are now
    (after the change; for a delete, before it).
    """
    History.insert_many(rows_for(customer, who, action, before, extra)).execute()


def rows_for(customer, who, action, before=None, extra=()):
    """The history rows ``record`` writes, as dicts (a bulk job inserts a batch's at once)."""
    viewer = as_viewer(who)
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
    common = dict(customer_id=customer.id, customer_name=customer.name, actor=viewer.name, action=action,
                  source=viewer.source, reseller_id=customer.reseller_id, distributor_id=customer.distributor_id)
    return [dict(common, field=field, old_value=old, new_value=new) for field, old, new in rows]


_COLUMNS = ("customer_id", "customer_name", "at", "actor", "action", "field", "old_value", "new_value", "source",
            "reseller_id", "distributor_id")


def write(rows):
    """Insert history rows (dicts from ``rows_for``), one statement run for them all: a
    bulk job's batch writes a thousand at once (Peewee's insert_many, building the SQL of
    every row, cost more than the database's work)."""
    if not rows:
        return
    at = History.at.db_value(clock.utcnow())
    values = [tuple(at if c == "at" else r[c] for c in _COLUMNS) for r in rows]
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


_AS_THEY_ARE = (int, str, type(None))


def import_rows(actor, path, at):
    """A function giving the history row of one imported customer, as a tuple in
    ``History``'s column order without ``id`` (for bulk writes): who imported it
    (``actor``), when, from which file, and its owners (None while still unknown)."""
    fields = [f for f in History._meta.sorted_fields if f.name != "id"]
    values = {"at": at, "actor": actor[:History.actor.max_length], "action": "import", "field": "file",
              "old_value": "", "new_value": path, "source": "import"}
    # Everything but the customer and its owners is the same on every row: converted once, not a million times.
    fixed = [f.db_value(values[f.name]) if f.name in values else None for f in fields]
    names = [f.name for f in fields]
    fixed[names.index("at")] = stored_datetime(fixed[names.index("at")])  # adapted once, not once a row
    at = [names.index(name) for name in ("customer_id", "customer_name", "reseller_id", "distributor_id")]
    convert = [getattr(History, name).db_value for name in ("customer_id", "customer_name", "reseller_id",
                                                             "distributor_id")]

    def row(customer_id, name, reseller_id=None, distributor_id=None):
        values = fixed.copy()
        for position, to_db, value in zip(at, convert, (customer_id, name, reseller_id, distributor_id), strict=True):
            # Ids and names are stored as they are (None too): no conversion call for them.
            values[position] = value if type(value) in _AS_THEY_ARE else to_db(value)
        return tuple(values)

    return row
