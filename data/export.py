"""Customers as CSV (RFC 4180), the format ``import-customers`` reads back."""
import csv
import io

from .csvfile import neutralise
from .fields import CSV_COLUMNS
from .models import Customer, CustomerClass
from .money import money_text
from .records import Account
from .status import ACTIVE

# The canonical field names, in the field table's order (data/fields.py).
COLUMNS = CSV_COLUMNS


class _Names:
    """Owner and class names by id, fetched once per batch for the ids not seen yet."""

    def __init__(self):
        self.owners = {None: ""}
        self.classes = {None: ""}

    def load(self, customers):
        owner_ids = {i for c in customers for i in (c.reseller_id, c.distributor_id)} - set(self.owners)
        if owner_ids:
            self.owners.update(Customer.select(Customer.id, Customer.name)
                               .where(Customer.id.in_(list(owner_ids))).tuples())
        class_ids = {c.customer_class_id for c in customers} - set(self.classes)
        if class_ids:
            self.classes.update(CustomerClass.select(CustomerClass.id, CustomerClass.name)
                                .where(CustomerClass.id.in_(list(class_ids))).tuples())


# Amounts are plain numbers ("-12.5"), which a spreadsheet reads as numbers, never
# as formulas: they are the only cells written without formula neutralising.
AMOUNTS = ("balance", "available_funds", "credit_limit")


def row(customer, names):
    """One customer as a dict keyed by COLUMNS, text cells safe to open in a spreadsheet."""
    values = {name: getattr(customer, name) for name in COLUMNS
              if name not in ("reseller", "distributor", "customer_class")}
    values.update(
        reseller=names.owners[customer.reseller_id],
        distributor=names.owners[customer.distributor_id],
        customer_class=names.classes[customer.customer_class_id],
        balance=money_text(customer.balance),
        available_funds=money_text(customer.available_funds),
        credit_limit=money_text(customer.credit_limit),
        blocked="true" if customer.blocked else "false",
    )
    for name, value in values.items():
        if name not in AMOUNTS:
            values[name] = neutralise(value)
    return values


def csv_lines(batches):
    """CSV text in pieces: the header, then one piece per batch of customers."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    names = _Names()
    for batch in batches:
        names.load(batch)
        for customer in batch:
            writer.writerow(row(customer, names))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


# The file for moving one customer to another installation adds its accounts
# (account numbers separated by spaces); import-customers reads that column too.
INSTALLATION_COLUMNS = COLUMNS + ("accounts",)


def installation_file(customer):
    """One customer, its balances and accounts, as CSV for ``import-customers`` elsewhere."""
    names = _Names()
    names.load([customer])
    values = row(customer, names)
    values["status"] = ACTIVE
    numbers = Account.select(Account.number).where(Account.customer == customer.id).order_by(Account.number)
    values["accounts"] = neutralise(" ".join(n for (n,) in numbers.tuples()))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INSTALLATION_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(values)
    return buffer.getvalue()
