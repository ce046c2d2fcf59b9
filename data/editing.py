"""Creating and editing customers: the Edit Customer page's rules."""
from peewee import IntegrityError
from werkzeug.security import generate_password_hash

from .access import as_viewer
from .db import write_transaction
from .errors import Invalid
from .history import record, snapshot
from .lifecycle import load_for_change
from .models import TEXT_FIELDS, Customer, CustomerClass
from .validation import customer_values

# What the form edits. Balances move through payments and charges once a
# customer exists; only a new customer gets opening amounts.
EDITABLE = TEXT_FIELDS + ("customer_type", "reseller", "distributor", "customer_class", "balance_control",
                          "credit_limit")
OPENING = ("currency", "balance", "available_funds")
MIN_PASSWORD = 10


def _resolve(values, errors, customer=None):
    """Owner and class names -> ids, checking types; unknown classes are refused."""
    resolved = {}
    for kind in ("reseller", "distributor"):
        name = values.get(kind, "")
        if not name:
            resolved[kind] = None
            continue
        owner = Customer.get_or_none(Customer.name == name)
        if owner is None or owner.customer_type != kind:
            errors[kind] = f"there is no {kind} named “{name}”"
        elif customer is not None and owner.id == customer.id:
            errors[kind] = "a customer cannot own itself"
        else:
            resolved[kind] = owner.id
    name = values.get("customer_class", "")
    resolved["customer_class"] = None
    if name:
        cls = CustomerClass.get_or_none(CustomerClass.name == name)
        if cls is None:
            errors["customer_class"] = f"there is no customer class named “{name}”"
        else:
            resolved["customer_class"] = cls.id
    return resolved


def _check_name(values, errors, customer=None):
    name = values.get("name")
    if name and not errors.get("name"):
        clash = Customer.select().where(Customer.name == name)
        if customer is not None:
            clash = clash.where(Customer.id != customer.id)
        if clash.exists():
            errors["name"] = f"a customer “{name}” already exists"


def _staff_limits(viewer, raw, customer=None):
    """Reseller staff create and keep only their own reseller's retail customers."""
    if viewer.owner_kind != "reseller":
        return raw
    raw = dict(raw, reseller=viewer.owner_name, customer_type="retail")
    raw["distributor"] = customer.distributor.name if customer is not None and customer.distributor_id else ""
    return raw


def class_names():
    """The customer classes an admin can choose, by name."""
    return [name for (name,) in CustomerClass.select(CustomerClass.name).order_by(CustomerClass.name).tuples()]


def create_customer(raw, who):
    """Validate and insert a new customer for ``who``; returns it. Raises ``Invalid``/``Forbidden``."""
    viewer = as_viewer(who)
    viewer.check_can_change()
    raw = _staff_limits(viewer, raw)
    values, errors = customer_values(raw)
    _check_name(values, errors)
    refs = _resolve(values, errors)
    if errors:
        raise Invalid(errors)
    fields = {name: values[name] for name in EDITABLE + OPENING if name in values}
    fields.update(refs)
    with write_transaction():
        try:
            customer = Customer.create(**fields)
        except IntegrityError:
            raise Invalid({"name": f"a customer “{values['name']}” already exists"}) from None
        record(customer, viewer.name, "create")
    return customer


def update_customer(customer_id, raw, who, expected_version):
    """Save the edit form. Raises ``Invalid``, ``Stale``, ``Conflict``, ``Forbidden`` or ``NotFound``."""
    viewer = as_viewer(who)
    with write_transaction():
        customer = load_for_change(customer_id, expected_version, viewer)
        raw = _staff_limits(viewer, raw, customer)
        values, errors = customer_values({**raw, "currency": raw.get("currency") or customer.currency})
        if values.get("currency") != customer.currency:
            errors["currency"] = f"is fixed once the customer is saved ({customer.currency})"
        if values["customer_type"] != customer.customer_type and (
                Customer.select().where((Customer.reseller == customer.id)
                                        | (Customer.distributor == customer.id)).exists()):
            errors["customer_type"] = "cannot change while it has customers of its own"
        _check_name(values, errors, customer)
        refs = _resolve(values, errors, customer)
        if errors:
            raise Invalid(errors)
        before = snapshot(customer)
        for name in EDITABLE:
            if name in refs:
                setattr(customer, name, refs[name])
            elif name in values:
                setattr(customer, name, values[name])
        customer.save()
        record(customer, viewer.name, "edit", before)
    return customer


def set_password(customer_id, password, who, expected_version=None):
    """Set or reset the web self-care password (stored as a salted hash only)."""
    if len(password or "") < MIN_PASSWORD:
        raise Invalid({"password": f"must be at least {MIN_PASSWORD} characters"})
    with write_transaction():
        customer = load_for_change(customer_id, expected_version, who)
        if not customer.login:
            raise Invalid({"password": "set a login first"})
        had = bool(customer.password_hash)
        customer.password_hash = generate_password_hash(password)
        customer.save()
        change = ("password", "set", "reset") if had else ("password", "", "set")
        record(customer, as_viewer(who).name, "password", extra=[change])
    return customer
