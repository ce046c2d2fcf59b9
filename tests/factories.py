"""Small builders for test data, going through the same write path as the app."""
import itertools
from datetime import datetime
from decimal import Decimal

from data.models import Customer, CustomerClass
from data.records import Account, ClassFee, Invoice, Payment, Product, Tariff, TrafficExchange, Vendor, Xdr

_numbers = itertools.count(1)


def customer(name=None, **fields):
    values = {"currency": "USD", "balance_control": "postpaid"}
    values.update(fields)
    return Customer.create(name=name or f"Customer {next(_numbers)}", **values)


def reseller(name=None, **fields):
    return customer(name or f"Reseller {next(_numbers)}", customer_type="reseller", **fields)


def distributor(name=None, **fields):
    return customer(name or f"Distributor {next(_numbers)}", customer_type="distributor", **fields)


def customer_class(name=None, fees=None, **fields):
    """A class; ``fees`` maps currencies to its monthly maintenance fee (``{"USD": "2.50"}``)."""
    cls = CustomerClass.create(name=name or f"Class {next(_numbers)}", **fields)
    for currency, amount in (fees or {}).items():
        ClassFee.create(customer_class=cls, currency=currency, amount=Decimal(amount))
    return cls


def account(owner, number=None, **fields):
    return Account.create(customer=owner, number=number or f"1555{next(_numbers):07d}", **fields)


def xdr(owner, when=None, amount="0.10", **fields):
    values = {"service": "voice", "cli": "+15550001", "cld": "+15550002", "duration": 60,
              "description": "Outgoing call"}
    values.update(fields)
    return Xdr.create(customer=owner, connect_time=when or datetime(2026, 11, 1, 12, 0),
                      amount=Decimal(amount), **values)


def product(owner):
    return Product.create(name=f"Product {next(_numbers)}", managed_by=owner)


def tariff(owner):
    return Tariff.create(name=f"Tariff {next(_numbers)}", currency="USD", managed_by=owner)


def exchange(owner):
    vendor = Vendor.create(name=f"Vendor {next(_numbers)}")
    return TrafficExchange.create(vendor=vendor, customer=owner)


def invoice(owner, **fields):
    values = {"issued_on": datetime(2026, 10, 1).date(), "due_on": datetime(2026, 10, 31).date(),
              "amount": Decimal("10.00")}
    values.update(fields)
    return Invoice.create(customer=owner, number=f"INV-{next(_numbers)}", **values)


def payment(owner, amount="10.00"):
    return Payment.create(customer=owner, amount=Decimal(amount), method="cash")


def stored_rows_as_saved():
    """The search rows by customer id, after checking that every stored customer is exactly
    what a save makes of it (``prepare``: text normalised, status derived) and its search row
    what the search row rule makes: for the bulk writers (import, seed), which skip saves."""
    from data.models import CustomerSearch

    searches = {row["customer"]: row for row in CustomerSearch.select().dicts()}
    for stored in Customer.select().dicts():
        again = Customer(**{name: value for name, value in stored.items() if name != "status"})
        again.prepare()
        assert again.__data__ == stored
        assert CustomerSearch.row_for(again) == searches[stored["id"]]
    return searches
