"""The records around a customer: accounts, xDRs, managed products and tariffs,
traffic exchanges, invoices, payments, subscriptions, periodic charges, history."""
from peewee import (
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from . import clock
from .models import BaseModel, Customer, CustomerClass, CustomerSearch
from .money import MoneyField


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
    request_key = CharField(max_length=64, null=True)  # a manual charge form's one-time key (m0008)


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
    succeeded = BooleanField(default=True)
    note = CharField(max_length=200, default="")
    request_key = CharField(max_length=64, null=True)  # the payment form's one-time key (m0008)


class Subscription(BaseModel):
    """A recurring fee of one customer, charged monthly while it runs."""
    id = BigAutoField()
    customer = ForeignKeyField(Customer, backref="subscriptions", on_delete="RESTRICT")
    name = CharField(max_length=100)
    fee = MoneyField()
    started_on = DateField()
    ended_on = DateField(null=True)               # the last day it runs (and is charged for)
    request_key = CharField(max_length=64, null=True)  # the add-subscription form's one-time key (m0014)


class PeriodicCharge(BaseModel):
    """Ledger of periodic charges made: one per customer, kind, source and month."""
    id = BigAutoField()
    customer = ForeignKeyField(Customer, on_delete="RESTRICT")
    kind = CharField(max_length=20)               # subscription | maintenance
    reference_id = BigIntegerField()              # the subscription or the customer class
    period = CharField(max_length=7)              # YYYY-MM
    xdr = ForeignKeyField(Xdr, null=True, on_delete="RESTRICT")


class History(BaseModel):
    """One change to a customer: when, who, what, old -> new, from where (``source``),
    and whose customer it was then (m0013: the owners are copied, no foreign keys, so
    the row outlives the customer and its owners)."""
    id = BigAutoField()
    customer_id = BigIntegerField()
    customer_name = CharField(max_length=100)
    at = DateTimeField(default=clock.utcnow)
    actor = CharField(max_length=100)
    action = CharField(max_length=50)
    field = CharField(max_length=50, default="")
    old_value = TextField(default="")
    new_value = TextField(default="")
    source = CharField(max_length=20)   # a key of history.SOURCES
    reseller_id = BigIntegerField(null=True)
    distributor_id = BigIntegerField(null=True)


class ClassFee(BaseModel):
    """A customer class's monthly maintenance fee in one currency (m0014): a customer
    of the class is charged the fee in its own currency, if the class has one."""
    id = BigAutoField()
    customer_class = ForeignKeyField(CustomerClass, backref="fees", on_delete="CASCADE")
    currency = CharField(max_length=3)
    amount = MoneyField()


class ClassHistory(BaseModel):
    """One change to a customer class: when, who, what, old -> new (like ``History``)."""
    id = BigAutoField()
    class_id = BigIntegerField()
    class_name = CharField(max_length=100)
    at = DateTimeField(default=clock.utcnow)
    actor = CharField(max_length=100)
    action = CharField(max_length=50)
    field = CharField(max_length=50, default="")
    old_value = TextField(default="")
    new_value = TextField(default="")


class User(BaseModel):
    """Someone who signs in. Reseller and distributor staff belong to their ``owner``."""
    id = BigAutoField()
    name = CharField(max_length=100, unique=True)
    password_hash = CharField(max_length=255)
    role = CharField(max_length=30)
    owner = ForeignKeyField(Customer, null=True, backref="staff", on_delete="RESTRICT")
    created_at = DateTimeField(default=clock.utcnow)
    # m0015: managed in the app.
    disabled_at = DateTimeField(null=True)              # set: cannot sign in, sessions ended
    must_change_password = BooleanField(default=False)  # after a reset or creation by an administrator
    last_sign_in_at = DateTimeField(null=True)
    totp_secret = CharField(max_length=64, null=True)   # two-factor sign-in is on when set
    totp_last_step = BigIntegerField(null=True)         # a code's time step, used once only

    @property
    def two_factor(self):
        """Whether this user signs in with a code from an authenticator app too."""
        return bool(self.totp_secret)

    class Meta:
        table_name = "app_user"


class UserSession(BaseModel):
    """A signed-in browser (m0009): its cookie holds a random token, ``id`` is the token's SHA-256."""
    id = CharField(max_length=64, primary_key=True)
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = DateTimeField()
    last_seen_at = DateTimeField()
    revoked = BooleanField(default=False)

    class Meta:
        table_name = "user_session"


class RecoveryCode(BaseModel):
    """One of a user's single-use two-factor recovery codes, stored as its SHA-256 (m0015)."""
    id = BigAutoField()
    user = ForeignKeyField(User, backref="recovery_codes", on_delete="CASCADE")
    code_hash = CharField(max_length=64)
    used_at = DateTimeField(null=True)

    class Meta:
        table_name = "recovery_code"


class SignInEvent(BaseModel):
    """A sign-in attempt, good or bad (m0015); ``user`` is None for an unknown name."""
    id = BigAutoField()
    user = ForeignKeyField(User, null=True, backref="sign_ins", on_delete="CASCADE")
    user_name = CharField(max_length=100)
    at = DateTimeField()
    address = CharField(max_length=64)
    user_agent = CharField(max_length=200, default="")
    succeeded = BooleanField()
    detail = CharField(max_length=100, default="")

    class Meta:
        table_name = "sign_in_event"


class UserChange(BaseModel):
    """One change to a user's account (m0015): when, who, what."""
    id = BigAutoField()
    user = ForeignKeyField(User, backref="changes", on_delete="CASCADE")
    at = DateTimeField(default=clock.utcnow)
    actor = CharField(max_length=100)
    action = CharField(max_length=200)

    class Meta:
        table_name = "user_change"


class AppSetting(BaseModel):
    """A setting an administrator changes in the app (m0015), its value as JSON text."""
    key = CharField(max_length=50, primary_key=True)
    value = TextField()

    class Meta:
        table_name = "app_setting"


class SignInFailure(BaseModel):
    id = BigAutoField()
    user_name = CharField(max_length=100)
    address = CharField(max_length=64)
    at = DateTimeField(default=clock.utcnow)


from .bulk_records import BulkJob, BulkOutcome  # noqa: E402 (its own module; listed with the rest)
from .import_records import CustomerImport, ImportProblem  # noqa: E402 (its own module too)

MODELS = (CustomerClass, Customer, CustomerSearch, Account, Xdr, Product, Tariff, Vendor,
          TrafficExchange, Invoice, Payment, Subscription, PeriodicCharge, History, User, UserSession, SignInFailure,
          RecoveryCode, SignInEvent, UserChange, AppSetting, ClassFee, ClassHistory, BulkJob, BulkOutcome,
          CustomerImport, ImportProblem)

# Saved list views and per-user list settings (m0020): their own module, listed with the rest.
from .view_records import ListSetting, SavedView  # noqa: E402

MODELS += (SavedView, ListSetting)
