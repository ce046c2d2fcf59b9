"""Peewee models. The schema itself is created by the numbered migrations in
``data/migrations``; these classes must describe the same columns (a test checks)."""
import unicodedata
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from peewee import (
    BigAutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    PostgresqlDatabase,
    TextField,
)

from . import clock
from .db import db
from .errors import Stale
from .fields import TEXT, TEXT_FIELDS
from .money import MoneyField, parse_money
from .status import ACTIVE, StatusField, derive_status, is_terminated
from .text import clean

CUSTOMER_TYPES = ("retail", "reseller", "distributor")
BALANCE_CONTROLS = ("prepaid", "postpaid")


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class CustomerClass(BaseModel):
    id = BigAutoField()
    name = CharField(max_length=100, unique=True)
    reactivation_days = IntegerField(default=30)
    created_at = DateTimeField(default=clock.utcnow)
    grace_days = IntegerField(default=0)          # an unpaid invoice suspends this long after its due date
    # Not offered for new assignment any more; customers in it keep it (m0014).
    retired_at = DateTimeField(null=True)
    version = IntegerField(default=1)             # optimistic locking of the class page's form
    # The monthly maintenance fee, one per currency: ``ClassFee`` (data/records.py).


class Customer(BaseModel):
    id = BigAutoField()
    customer_type = CharField(max_length=20, default="retail")
    reseller = ForeignKeyField("self", null=True, backref="subcustomers", on_delete="RESTRICT")
    distributor = ForeignKeyField("self", null=True, backref="distributed", on_delete="RESTRICT")
    customer_class = ForeignKeyField(CustomerClass, null=True, on_delete="RESTRICT")
    # name, company_name, ... website: one column per text field of data/fields.py (added below)
    currency = CharField(max_length=3)
    balance_control = CharField(max_length=10, default="postpaid")
    balance = MoneyField(default=0)
    available_funds = MoneyField(default=0)
    credit_limit = MoneyField(null=True)
    # Lifecycle state; the status shown is derived from it (data/status.py).
    blocked = BooleanField(default=False)
    suspended = BooleanField(default=False)
    suspension_lifted_until = DateField(null=True)
    provisionally_terminated_at = DateTimeField(null=True)
    terminated_at = DateTimeField(null=True)
    exported_at = DateTimeField(null=True)
    payment_frozen = BooleanField(default=False)
    daily_spending_limit = MoneyField(null=True)
    spent_today = MoneyField(default=0)
    spending_date = DateField(null=True)
    status = StatusField(default=ACTIVE)
    created_at = DateTimeField(default=clock.utcnow)
    password_hash = CharField(max_length=255, default="")
    failed_payments = IntegerField(default=0)
    version = IntegerField(default=1)

    class Meta:
        # Writing only changed columns keeps a balance or status update from
        # touching every index of the table.
        only_save_dirty = True

    def prepare(self, today=None):
        """Normalise the values and re-derive the stored status before writing (``prepare``)."""
        prepare(self, today or clock.today())

    def save(self, *args, **kwargs):
        """Insert, or write the changed columns if nobody changed the row meanwhile.

        An update matches on the ``version`` this instance holds (the one it was
        read with, or the one a form sent back) and bumps it; when another write
        got there first nothing is written and ``Stale`` is raised.
        """
        self.prepare()
        if self._pk is None:
            with db.atomic():
                result = super().save(*args, **kwargs)
                CustomerSearch.store(self)
            return result
        update = self.pending_update()
        if update is None:
            return 0
        # Inside a transaction already (a change of the pipeline, a bulk job's batch) no
        # savepoint is needed: a refused update writes nothing, anything else rolls it all back.
        with nullcontext() if db.in_transaction() else db.atomic():
            rows = db.execute_sql(update.sql, update.params).rowcount
            if rows == 0:
                raise Stale(f"Customer “{self.name}” was changed by someone else. Reload the page to see "
                            "the current values, then make your change again.")
            self.updated(update)
        return rows

    def pending_update(self):
        """The versioned UPDATE that writes this (prepared) customer's changed columns, or None
        when nothing changed: ``save`` runs it, ``save_many`` runs a batch's together."""
        changed = {f.name for f in self.dirty_fields} - {"version", "id"}
        if not changed:
            return None
        seen = self.version
        names = tuple(sorted(changed))
        params = [self._meta.fields[name].db_value(self.__data__.get(name)) for name in names]
        sql = _update_sql(names, type(db.obj).__name__)
        return PendingUpdate(self, changed, sql, [*params, seen + 1, self.id, seen])

    def updated(self, update):
        """What follows a versioned update that was written: the search copy, the new version."""
        if set(TEXT_FIELDS) & update.changed:
            CustomerSearch.store(self)
        self.version = update.params[-1] + 1
        self._dirty.clear()

    @property
    def is_direct(self):
        return self.reseller_id is None

    @property
    def is_terminated(self):
        """Permanently terminated (``status.is_terminated``; templates ask here)."""
        return is_terminated(self)


@dataclass(frozen=True)
class PendingUpdate:
    customer: object
    changed: set
    sql: str
    params: list


def save_many(customers):
    """``save`` for customers already in the database, inside the caller's transaction, with
    the same versioned update each; returns the ids of those someone else changed since they
    were read (nothing written for them: the caller reads them again).

    PostgreSQL: the updates go in one pipeline (psycopg's executemany) instead of a round trip
    each, the server telling per customer whether its version still matched.
    """
    pending = []
    for customer in customers:
        customer.prepare()
        update = customer.pending_update()
        if update is not None:
            pending.append(update)
    stale = set()
    if isinstance(db.obj, PostgresqlDatabase):
        by_sql = {}
        for update in pending:
            by_sql.setdefault(update.sql, []).append(update)
        for sql, updates in by_sql.items():
            cursor = db.cursor()
            cursor.executemany(sql + ' RETURNING "id"', [u.params for u in updates], returning=True)
            for update in updates:
                if cursor.fetchone() is None:
                    stale.add(update.customer.id)
                cursor.nextset()
    else:
        for update in pending:
            if db.execute_sql(update.sql, update.params).rowcount == 0:
                stale.add(update.customer.id)
    for update in pending:
        if update.customer.id not in stale:
            update.customer.updated(update)
    return stale


@lru_cache(maxsize=256)
def _update_sql(names, _dialect):
    """The versioned UPDATE of the columns ``names``, then version (WHERE id, version), made
    once per set of columns and database kind: Peewee building it per save cost more than
    running it (a bulk job saves a thousand customers a second). Written here, not by
    Peewee, so the parameters' order is ours for certain."""
    param = db.param
    sets = ", ".join(f'"{Customer._meta.fields[name].column_name}" = {param}' for name in names)
    return (f'UPDATE "{Customer._meta.table_name}" SET {sets}, "version" = {param} '
            f'WHERE "id" = {param} AND "version" = {param}')


# The text columns, from the field table. Added after the class, as Peewee's
# ``add_field`` allows, so a new text field needs no line here.
for _field in TEXT:
    Customer._meta.add_field(_field.name, CharField(max_length=_field.max_length, default="", unique=_field.unique))
del _field
MONEY_FIELDS = tuple(f.name for f in Customer._meta.sorted_fields if isinstance(f, MoneyField))


def prepare(customer, today):
    """Normalise ``customer``'s values and derive its status: what every write stores.

    ``customer`` is a ``Customer`` (``save`` calls this through ``Customer.prepare``)
    or, for bulk loads, any object with its attributes (a ``SimpleNamespace`` of a
    row), so an imported or seeded customer is stored exactly as a saved one.
    Only values that change are set: an instance then writes only those columns
    (and its search row only when a text value changed).
    """
    for field in TEXT:
        value = getattr(customer, field.name)
        stored = clean(value).upper() if field.capitals else clean(value)
        if stored != value:
            setattr(customer, field.name, stored)
    currency = clean(customer.currency).upper()
    if currency != customer.currency:
        customer.currency = currency
    for name in MONEY_FIELDS:
        value = getattr(customer, name)
        if value is not None and not isinstance(value, Decimal):
            setattr(customer, name, parse_money(value))
    status = derive_status(customer, today)
    if customer.status != status:
        customer.status = status


def sort_key(folded):
    """The order of a folded name: accents set aside, so "éric" sorts with "eric", not after "z".

    Only combining marks (canonical class > 0) are dropped after decomposition,
    so ``sort_key(p)`` is a prefix of ``sort_key(v)`` whenever ``p`` is a prefix
    of ``v``: an index on the key can then find Is and Begins-with candidates.
    """
    if folded.isascii():
        return folded
    return "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))


def _reseller_id(customer):
    # A model instance, or the plain row objects bulk loads pass (``reseller`` holds the id).
    if isinstance(customer, Model):
        return customer.reseller_id
    value = getattr(customer, "reseller", None)
    return getattr(value, "id", value)


class CustomerSearch(BaseModel):
    """Case-folded copies of a customer's text fields, written with the customer.

    Kept out of the customer table so list scans stay narrow; searches and
    text sorts run here and join back by id. ``direct`` (no reseller) is
    copied here, and kept in step by a trigger on ``customer.reseller_id``
    (migration 0005), so the default scope is answered from this table's
    indexes without a join.
    """
    customer = ForeignKeyField(Customer, primary_key=True, column_name="id", on_delete="CASCADE")
    # name, company_name, ... website: the folded copy of each text field (added below)
    direct = BooleanField(default=True)
    sort_name = TextField(default="")
    # The folded e-mail reversed: Ends with is a prefix of it, found in its B-tree (migration 0021).
    email_reversed = TextField(default="")

    @staticmethod
    def row_for(customer):
        """Column values of the search row for ``customer``.

        The customer is prepared (its text already ``clean``), so casefolding it
        gives exactly ``fold`` of the original, as search terms are folded.
        """
        row = {name: getattr(customer, name).casefold() for name in TEXT_FIELDS}
        row["customer"] = customer.id
        row["direct"] = _reseller_id(customer) is None
        row["sort_name"] = sort_key(row["name"])
        row["email_reversed"] = row["email"][::-1]
        return row

    @classmethod
    def store(cls, customer):
        """Insert or refresh the search row of ``customer``."""
        row = cls.row_for(customer)
        (cls.insert(row)
            .on_conflict(conflict_target=[cls.customer],
                         preserve=[getattr(cls, name) for name in (*TEXT_FIELDS, "direct", "sort_name",
                                                               "email_reversed")])
            .execute())


for _field in TEXT:
    CustomerSearch._meta.add_field(_field.name, TextField(default=""))
del _field
