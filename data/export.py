"""Customers as CSV (RFC 4180), the format ``import-customers`` reads back."""
import csv
import io

from .models import Customer, CustomerClass
from .money import money_text

# The canonical field names, in the order of the edit form, then lifecycle.
COLUMNS = ("name", "customer_type", "reseller", "distributor", "customer_class", "company_name",
           "first_name", "last_name", "address", "city", "state", "zip", "country", "phone", "fax",
           "email", "login", "currency", "balance_control", "balance", "available_funds",
           "credit_limit", "blocked", "status")


class _NameCache:
    """Owner and class names by id, looked up once each while exporting."""

    def __init__(self):
        self.owners = {}
        self.classes = {}

    def owner(self, owner_id):
        if owner_id is None:
            return ""
        if owner_id not in self.owners:
            self.owners[owner_id] = Customer.select(Customer.name).where(Customer.id == owner_id).scalar()
        return self.owners[owner_id]

    def customer_class(self, class_id):
        if class_id is None:
            return ""
        if class_id not in self.classes:
            self.classes[class_id] = (CustomerClass.select(CustomerClass.name)
                                      .where(CustomerClass.id == class_id).scalar())
        return self.classes[class_id]


def row(customer, names):
    """One customer as a dict keyed by COLUMNS."""
    values = {name: getattr(customer, name) for name in COLUMNS
              if name not in ("reseller", "distributor", "customer_class")}
    values.update(
        reseller=names.owner(customer.reseller_id),
        distributor=names.owner(customer.distributor_id),
        customer_class=names.customer_class(customer.customer_class_id),
        balance=money_text(customer.balance),
        available_funds=money_text(customer.available_funds),
        credit_limit=money_text(customer.credit_limit),
        blocked="true" if customer.blocked else "false",
    )
    return values


def csv_lines(customers, chunk=500):
    """CSV text in pieces: the header, then ``chunk`` customers at a time."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    names = _NameCache()
    for count, customer in enumerate(customers, 1):
        writer.writerow(row(customer, names))
        if count % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
