"""The customer list's columns: which there are, which a user shows in which order, and
compact or comfortable rows; plus the values the extra columns need, one query per page.

The spec's list columns are the default. The extra ones (company, country, customer
class, phone, created, last change) are shown, never sorted by: the list's sorts are
the ones data/search_pages.py walks an index for at a million customers.
"""
from dataclasses import dataclass, field, replace

from peewee import fn

from . import sql_text
from .db import write_transaction
from .errors import Invalid
from .models import CustomerClass
from .records import History
from .view_records import ListSetting


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    spec: bool = False          # one of the spec's list columns: shown unless the user hides it
    sort: str | None = None     # the list's sort key (data.listing.SORTS), when it can be sorted by
    required: bool = False      # always shown (the row's link)


COLUMNS = (
    Column("xdrs", "xDRs", True),
    Column("name", "ID", True, "name", required=True),
    Column("accounts", "Accounts", True),
    Column("owner", "Owner (reseller / distributor)", True),
    Column("currency", "Currency", True, "currency"),
    Column("balance_control", "Balance Control", True, "balance_control"),
    Column("available_funds", "Available Funds", True, "available_funds"),
    Column("balance", "Balance", True, "balance"),
    Column("credit_limit", "Credit Limit", True, "credit_limit"),
    Column("email", "Email", True, "email"),
    Column("status", "Status", True, "status"),
    Column("delete", "Delete", True),
    Column("company_name", "Company"),
    Column("country", "Country"),
    Column("customer_class", "Customer class"),
    Column("phone", "Phone"),
    Column("created_at", "Created"),
    Column("last_change", "Last change"),
)
BY_KEY = {c.key: c for c in COLUMNS}
DEFAULT_ORDER = tuple(BY_KEY)
DEFAULT_SHOWN = frozenset(c.key for c in COLUMNS if c.spec)
DENSITIES = ("comfortable", "compact")


@dataclass(frozen=True)
class Layout:
    """How one user's list looks. ``chosen``: the user saved a choice; with the defaults
    the Owner column appears only where owners mix (All customers). ``landing_view_id``:
    the saved view the list opens with, stored in the same row (data/saved_views.py
    checks that the user may still open it), read with the layout in one query."""
    order: tuple = DEFAULT_ORDER
    shown: frozenset = DEFAULT_SHOWN
    compact: bool = False
    chosen: bool = False
    landing_view_id: int | None = field(default=None, compare=False)

    @property
    def columns(self):
        """The shown columns' keys, in order."""
        return tuple(k for k in self.order if k in self.shown)

    @property
    def stored(self):
        return " ".join(k if k in self.shown else f"-{k}" for k in self.order)


def _from_stored(text, compact):
    """A stored layout; a column that is gone is dropped, one that is new comes last, hidden."""
    order, shown = [], set()
    for word in text.split():
        key = word.removeprefix("-")
        if key in BY_KEY and key not in order:
            order.append(key)
            if not word.startswith("-"):
                shown.add(key)
    order += [k for k in DEFAULT_ORDER if k not in order]
    shown |= {c.key for c in COLUMNS if c.required}
    return Layout(tuple(order), frozenset(shown), compact, chosen=True)


def layout_for(user_id):
    """The list layout ``user_id`` chose, or the default one (one query)."""
    found = sql_text.rows("list_setting", lambda user: ListSetting.select().where(ListSetting.user == user[0]),
                          [user_id])
    row = found[0] if found else None
    if row is None:
        return Layout()
    if not row.columns:
        return Layout(compact=row.compact, landing_view_id=row.landing_view_id)
    return replace(_from_stored(row.columns, row.compact), landing_view_id=row.landing_view_id)


def check_keys(keys, param="columns"):
    """``keys`` as a tuple of known column keys (each once), or ``Invalid`` naming ``param``."""
    unknown = [k for k in keys if k not in BY_KEY]
    if unknown:
        raise Invalid({param: f"there is no column “{unknown[0]}”; the columns are {', '.join(BY_KEY)}"})
    if len(set(keys)) != len(keys):
        raise Invalid({param: "names a column twice"})
    return tuple(keys)


def make_layout(order, shown, density):
    """A layout from what the settings form sent: every column once in ``order``, the
    ticked ones in ``shown``, ``density`` one of DENSITIES; ``Invalid`` otherwise."""
    order = check_keys(tuple(order), "order")
    if set(order) != set(BY_KEY):
        missing = [k for k in DEFAULT_ORDER if k not in order]
        raise Invalid({"order": f"must list every column once (missing: {', '.join(missing)})"})
    shown = set(check_keys(tuple(dict.fromkeys(shown)), "show"))
    if density not in DENSITIES:
        raise Invalid({"density": f"must be one of {', '.join(DENSITIES)}"})
    shown |= {c.key for c in COLUMNS if c.required}
    return Layout(order, frozenset(shown), density == "compact", chosen=True)


def save_layout(user_id, layout):
    """Keep ``layout`` as ``user_id``'s list layout (the landing view stays as it is)."""
    with write_transaction():
        (ListSetting.insert(user=user_id, columns=layout.stored, compact=layout.compact)
            .on_conflict(conflict_target=[ListSetting.user], preserve=[ListSetting.columns, ListSetting.compact])
            .execute())


def reset_layout(user_id):
    """Back to the default columns and comfortable rows."""
    ListSetting.update(columns="", compact=False).where(ListSetting.user == user_id).execute()


def moved(layout, key, step):
    """``layout`` with column ``key`` moved ``step`` places (-1 up, +1 down), within bounds."""
    order = list(layout.order)
    if key not in order:
        raise Invalid({"move": f"there is no column “{key}”"})
    i = order.index(key)
    j = min(max(i + step, 0), len(order) - 1)
    order.insert(j, order.pop(i))
    return Layout(tuple(order), layout.shown, layout.compact, layout.chosen)


def class_names(customers):
    """``{class id: name}`` for the classes of ``customers``, in one query (none when none has one)."""
    wanted = {c.customer_class_id for c in customers if c.customer_class_id}
    if not wanted:
        return {}
    return dict(CustomerClass.select(CustomerClass.id, CustomerClass.name)
                .where(CustomerClass.id.in_(wanted)).tuples())


def last_changes(customer_ids):
    """``{customer id: when it last changed}`` from the history, in one query (history_customer index)."""
    if not customer_ids:
        return {}
    return dict(History.select(History.customer_id, fn.MAX(History.at))
                .where(History.customer_id.in_(list(customer_ids)))
                .group_by(History.customer_id).tuples())
