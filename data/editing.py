"""Creating and editing customers: the Edit Customer page's rules."""
from peewee import IntegrityError
from werkzeug.security import generate_password_hash

from .access import as_viewer
from .changes import change_customer
from .db import write_transaction
from .errors import Invalid
from .history import record, show
from .models import TEXT_FIELDS, Customer, CustomerClass
from .money import money_text
from .validation import customer_values

# What the form edits. Balances move through payments and charges once a
# customer exists; only a new customer gets opening amounts.
EDITABLE = TEXT_FIELDS + ("customer_type", "reseller", "distributor", "customer_class", "balance_control",
                          "credit_limit")
OPENING = ("currency", "balance", "available_funds")
# What a new customer's history shows it started with (ownership and money).
OPENING_HISTORY = ("customer_type", "reseller", "distributor", "customer_class", "currency", "balance_control",
                   "balance", "available_funds", "credit_limit")
MIN_PASSWORD = 10
# Staff learn nothing about customers outside their reach from a name clash.
NAME_TAKEN_FOR_STAFF = "this ID cannot be used; choose another one"


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
        elif cls.retired_at is not None and (customer is None or customer.customer_class_id != cls.id):
            # Retired: customers in it keep it, nobody new is put in it.
            errors["customer_class"] = f"the customer class “{name}” is retired: choose another"
        else:
            resolved["customer_class"] = cls.id
    return resolved


def _name_taken(viewer, name):
    """The message for a name already in use: staff are not told whose it is."""
    if viewer.owner_kind:
        return NAME_TAKEN_FOR_STAFF
    return f"a customer “{name}” already exists"


def _check_name(viewer, values, errors, customer=None):
    name = values.get("name")
    if name and not errors.get("name"):
        clash = Customer.select().where(Customer.name == name)
        if customer is not None:
            clash = clash.where(Customer.id != customer.id)
        if clash.exists():
            errors["name"] = _name_taken(viewer, name)


def _staff_limits(viewer, raw, customer=None):
    """Reseller staff create and keep only their own reseller's retail customers."""
    if viewer.owner_kind != "reseller":
        return raw
    raw = dict(raw, reseller=viewer.owner_name, customer_type="retail")
    raw["distributor"] = customer.distributor.name if customer is not None and customer.distributor_id else ""
    return raw


def _check_money_rights(viewer, values, errors, customer=None):
    """Who may put money on a customer (data/access.py decides, this enforces).

    Opening balances and funds: only the operator's people. Credit limits: reseller
    staff only up to their reseller's own limit; a limit that does not change is
    not checked again (an older, larger one stays as the operator set it).
    """
    if customer is None and not viewer.may("opening_amounts"):
        for name in ("balance", "available_funds"):
            if values.get(name):
                errors[name] = "only the operator can open a customer with money; record a payment once it is saved"
    limited, ceiling = viewer.credit_limit_ceiling()
    limit = values.get("credit_limit")
    if not limited or "credit_limit" in errors or (customer is not None and limit == customer.credit_limit):
        return
    if limit is None or limit > ceiling:
        errors["credit_limit"] = (f"can be at most {money_text(ceiling)}, the credit limit of "
                                  f"{viewer.owner_name}")


def credit_limit_help(viewer):
    """What the credit limit field says to ``viewer`` about what it may enter."""
    limited, ceiling = viewer.credit_limit_ceiling()
    if limited:
        return f"At most {money_text(ceiling)} (the credit limit of {viewer.owner_name})"
    return "Empty: no limit"


def stored_form(customer):
    """The edit form's fields as ``customer`` has them now (strings, names for owners and class)."""
    form = {name: getattr(customer, name) or "" for name in TEXT_FIELDS}
    for name in ("reseller", "distributor", "customer_class"):
        related = getattr(customer, name)
        form[name] = related.name if related is not None else ""
    form.update(customer_type=customer.customer_type, balance_control=customer.balance_control,
                currency=customer.currency, credit_limit=money_text(customer.credit_limit))
    return form


def _opening(customer):
    """History rows of what a new customer starts with; "no limit" said in words."""
    rows = []
    for name in OPENING_HISTORY:
        value = getattr(customer, name)
        text = "no limit" if name == "credit_limit" and value is None else show(value)
        if text:
            rows.append((name, "", text))
    return rows


def class_names(customer=None):
    """The customer classes an admin can choose, by name: those not retired, and the
    customer's own class (retired or not: it keeps it)."""
    query = CustomerClass.select(CustomerClass.name).where(CustomerClass.retired_at.is_null())
    if customer is not None and customer.customer_class_id is not None:
        query = CustomerClass.select(CustomerClass.name).where(
            CustomerClass.retired_at.is_null() | (CustomerClass.id == customer.customer_class_id))
    return [name for (name,) in query.order_by(CustomerClass.name).tuples()]


def create_customer(raw, who):
    """Validate and insert a new customer for ``who``; returns it. Raises ``Invalid``/``Forbidden``."""
    viewer = as_viewer(who)
    viewer.check_may("create")
    raw = _staff_limits(viewer, raw)
    values, errors = customer_values(raw)
    _check_name(viewer, values, errors)
    _check_money_rights(viewer, values, errors)
    refs = _resolve(values, errors)
    if errors:
        raise Invalid(errors)
    fields = {name: values[name] for name in EDITABLE + OPENING if name in values}
    fields.update(refs)
    try:
        with write_transaction():
            customer = Customer.create(**fields)
            record(customer, viewer, "create", extra=_opening(customer))
    except IntegrityError:  # the same name saved a moment ago by someone else
        raise Invalid({"name": _name_taken(viewer, values["name"])}) from None
    return customer


def update_customer(customer_id, raw, who, expected_version):
    """Save the edit form. Raises ``Invalid``, ``Stale``, ``Conflict``, ``Forbidden`` or ``NotFound``.

    Only the fields sent change: a form (or a client) that leaves a field out
    keeps its stored value, never a default.
    """
    viewer = as_viewer(who)

    def edit(customer):
        form = _staff_limits(viewer, {**stored_form(customer), **raw}, customer)
        values, errors = customer_values({**form, "currency": form.get("currency") or customer.currency})
        if values.get("currency") != customer.currency:
            errors["currency"] = f"is fixed once the customer is saved ({customer.currency})"
        if values["customer_type"] != customer.customer_type and (
                Customer.select().where((Customer.reseller == customer.id)
                                        | (Customer.distributor == customer.id)).exists()):
            errors["customer_type"] = "cannot change while it has customers of its own"
        _check_name(viewer, values, errors, customer)
        _check_money_rights(viewer, values, errors, customer)
        refs = _resolve(values, errors, customer)
        if errors:
            raise Invalid(errors)
        for name in EDITABLE:
            if name in refs:
                setattr(customer, name, refs[name])
            elif name in values:
                setattr(customer, name, values[name])

    return change_customer(customer_id, viewer, "edit", "edit", edit, expected_version)


def set_password(customer_id, password, who, expected_version=None):
    """Set or reset the web self-care password (stored as a salted hash only)."""
    if len(password or "") < MIN_PASSWORD:
        raise Invalid({"password": f"must be at least {MIN_PASSWORD} characters"})

    def set_hash(customer):
        if not customer.login:
            raise Invalid({"password": "set a login first"})
        had = bool(customer.password_hash)
        customer.password_hash = generate_password_hash(password)
        # The history says that it was set, never the value (nor its hash).
        return [("password", "set", "reset") if had else ("password", "", "set")]

    return change_customer(customer_id, who, "password", "password", set_hash, expected_version)
