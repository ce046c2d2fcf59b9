"""Peewee models. The schema itself is created by the numbered migrations in
``data/migrations``; these classes must describe the same columns (a test checks)."""
from decimal import Decimal

from peewee import (
    BigAutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from . import clock
from .db import db
from .money import MoneyField, parse_money
from .status import ACTIVE, StatusField, derive_status
from .text import clean

CUSTOMER_TYPES = ("retail", "reseller", "distributor")
BALANCE_CONTROLS = ("prepaid", "postpaid")
# The free-text fields of a customer, in form order. Each has a case-folded copy
# in CustomerSearch so every search compares the same way on every backend.
TEXT_FIELDS = ("name", "company_name", "first_name", "last_name", "address", "city",
               "state", "zip", "country", "phone", "fax", "email", "login")
MONEY_FIELDS = ("balance", "available_funds", "credit_limit", "daily_spending_limit", "spent_today")


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class CustomerClass(BaseModel):
    id = BigAutoField()
    name = CharField(max_length=100, unique=True)
    reactivation_days = IntegerField(default=30)
    created_at = DateTimeField(default=clock.utcnow)


class Customer(BaseModel):
    id = BigAutoField()
    name = CharField(max_length=100, unique=True)
    customer_type = CharField(max_length=20, default="retail")
    reseller = ForeignKeyField("self", null=True, backref="subcustomers", on_delete="RESTRICT")
    distributor = ForeignKeyField("self", null=True, backref="distributed", on_delete="RESTRICT")
    customer_class = ForeignKeyField(CustomerClass, null=True, on_delete="RESTRICT")
    company_name = CharField(max_length=200, default="")
    first_name = CharField(max_length=100, default="")
    last_name = CharField(max_length=100, default="")
    address = CharField(max_length=300, default="")
    city = CharField(max_length=100, default="")
    state = CharField(max_length=100, default="")
    zip = CharField(max_length=20, default="")
    country = CharField(max_length=2, default="")
    phone = CharField(max_length=50, default="")
    fax = CharField(max_length=50, default="")
    email = CharField(max_length=254, default="")
    login = CharField(max_length=100, default="")
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

    class Meta:
        # Writing only changed columns keeps a balance or status update from
        # touching every index of the table.
        only_save_dirty = True

    def prepare(self, today=None):
        """Normalise text and re-derive the stored status before writing."""
        for name in TEXT_FIELDS:
            value = clean(getattr(self, name))
            if getattr(self, name) != value:
                setattr(self, name, value)
        for name in ("country", "currency"):
            setattr(self, name, clean(getattr(self, name)).upper())
        for name in MONEY_FIELDS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, Decimal):
                setattr(self, name, parse_money(value))
        status = derive_status(self, today or clock.today())
        if self.status != status:
            self.status = status

    def save(self, *args, **kwargs):
        self.prepare()
        text_changed = self._pk is None or bool(set(TEXT_FIELDS) & {f.name for f in self.dirty_fields})
        with db.atomic():
            result = super().save(*args, **kwargs)
            if text_changed:
                CustomerSearch.store(self)
        return result

    @property
    def is_direct(self):
        return self.reseller_id is None


class CustomerSearch(BaseModel):
    """Case-folded copies of a customer's text fields, written with the customer.

    Kept out of the customer table so list scans stay narrow; searches and
    text sorts run here and join back by id.
    """
    customer = ForeignKeyField(Customer, primary_key=True, column_name="id", on_delete="CASCADE")
    name = TextField(default="")
    company_name = TextField(default="")
    first_name = TextField(default="")
    last_name = TextField(default="")
    address = TextField(default="")
    city = TextField(default="")
    state = TextField(default="")
    zip = TextField(default="")
    country = TextField(default="")
    phone = TextField(default="")
    fax = TextField(default="")
    email = TextField(default="")
    login = TextField(default="")

    @staticmethod
    def row_for(customer):
        """Column values of the search row for ``customer``.

        The customer is prepared (its text already ``clean``), so casefolding it
        gives exactly ``fold`` of the original, as search terms are folded.
        """
        row = {name: getattr(customer, name).casefold() for name in TEXT_FIELDS}
        row["customer"] = customer.id
        return row

    @classmethod
    def store(cls, customer):
        """Insert or refresh the search row of ``customer``."""
        row = cls.row_for(customer)
        (cls.insert(row)
            .on_conflict(conflict_target=[cls.customer],
                         preserve=[getattr(cls, name) for name in TEXT_FIELDS])
            .execute())


class Account(BaseModel):
    id = BigAutoField()
    number = CharField(max_length=50, unique=True)
    customer = ForeignKeyField(Customer, backref="accounts", on_delete="RESTRICT")
    blocked = BooleanField(default=False)
    created_at = DateTimeField(default=clock.utcnow)


class Xdr(BaseModel):
    """A charge record (call, message, data session or periodic fee)."""
    id = BigAutoField()
    customer = ForeignKeyField(Customer, backref="xdrs", on_delete="RESTRICT")
    account = ForeignKeyField(Account, null=True, backref="xdrs", on_delete="RESTRICT")
    connect_time = DateTimeField()
    service = CharField(max_length=30)
    cli = CharField(max_length=50, default="")
    cld = CharField(max_length=50, default="")
    description = CharField(max_length=200, default="")
    duration = IntegerField(default=0)
    amount = MoneyField(default=0)


class Product(BaseModel):
    id = BigAutoField()
    name = CharField(max_length=100)
    managed_by = ForeignKeyField(Customer, null=True, backref="products", on_delete="RESTRICT")


class Tariff(BaseModel):
    id = BigAutoField()
    name = CharField(max_length=100)
    currency = CharField(max_length=3)
    managed_by = ForeignKeyField(Customer, null=True, backref="tariffs", on_delete="RESTRICT")


class Vendor(BaseModel):
    id = BigAutoField()
    name = CharField(max_length=100, unique=True)


class TrafficExchange(BaseModel):
    """Bilateral traffic exchange: the customer also sells traffic to us as a vendor."""
    id = BigAutoField()
    vendor = ForeignKeyField(Vendor, backref="exchanges", on_delete="RESTRICT")
    customer = ForeignKeyField(Customer, backref="exchanges", on_delete="RESTRICT")
    created_at = DateTimeField(default=clock.utcnow)


class Invoice(BaseModel):
    id = BigAutoField()
    number = CharField(max_length=30, unique=True)
    customer = ForeignKeyField(Customer, backref="invoices", on_delete="RESTRICT")
    issued_on = DateField()
    due_on = DateField()
    amount = MoneyField()
    paid = MoneyField(default=0)


class Payment(BaseModel):
    id = BigAutoField()
    customer = ForeignKeyField(Customer, backref="payments", on_delete="RESTRICT")
    amount = MoneyField()
    method = CharField(max_length=20)
    received_at = DateTimeField(default=clock.utcnow)


MODELS = (CustomerClass, Customer, CustomerSearch, Account, Xdr, Product, Tariff, Vendor,
          TrafficExchange, Invoice, Payment)
