"""Deterministic demo data, inserted in bulk so a million customers load in minutes.

The same ``(customers, seed)`` always produces the same data. The first retail
customers cover every status and both delete cases whatever the size, so even a
tiny demo shows the whole table of the spec.
"""
import random
import unicodedata
from datetime import datetime, time, timedelta
from decimal import Decimal

from babel.numbers import get_currency_precision
from peewee import fn

from . import clock
from .bulk import DeferredTextIndex, insert_rows
from .db import db, is_postgres, refresh_statistics
from .demo_names import (
    COMPANY_KINDS,
    COMPANY_WORDS,
    CUSTOMER_CLASSES,
    FIRST_NAMES,
    LAST_NAMES,
    LEGAL_FORMS,
    PLACES,
    STREETS,
    SUBSCRIPTIONS,
    VENDORS,
)
from .models import Customer, CustomerClass, CustomerSearch
from .records import Account, Invoice, Payment, Product, Subscription, Tariff, TrafficExchange, Vendor, Xdr
from .status import ACTIVE, CODES

BATCH = 20_000
MINIMUM = 20
# The conditions that make each status (and "active") appear, in the spec's order.
FORCED_STATUSES = CODES
# Statuses that come from an overdue invoice: their demo customers get one.
OVERDUE_INVOICE = ("suspended", "suspension_lifted")


def _ascii(text):
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isascii() and (c.isalnum() or c in ".-")).lower()


def _digits(rng, pattern):
    return "".join(str(rng.randrange(10)) if c == "#" else c for c in pattern)


def _amount(rng, low, high, currency="USD"):
    """A random exact amount with the currency's usual decimals (none for JPY)."""
    digits = min(2, get_currency_precision(currency))
    return Decimal(rng.randrange(low * 10**digits, high * 10**digits)).scaleb(-digits)


class _Generator:
    def __init__(self, rng, resellers, distributors, class_ids, vendor_ids, now):
        self.rng = rng
        self.next_account = (Account.select(fn.MAX(Account.id)).scalar() or 0) + 1
        self.resellers = resellers
        self.distributors = distributors
        self.class_ids = class_ids
        self.vendor_ids = vendor_ids
        self.now = now
        self.today = now.date()

    def person(self, customer_id, owner_type="retail"):
        rng = self.rng
        place = rng.choice(PLACES)
        country, state, city, zip_pattern, currency, phone_prefix, domain = place
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        is_company = owner_type != "retail" or rng.random() < 0.4
        company = ""
        if is_company or rng.random() < 0.2:
            company = (f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} "
                       f"{rng.choice(LEGAL_FORMS)}")
        name = f"{company if is_company else first + ' ' + last} {customer_id}"
        return dict(
            id=customer_id, name=name, customer_type=owner_type,
            company_name=company, first_name=first, last_name=last,
            address=f"{rng.randrange(1, 300)} {rng.choice(STREETS)}",
            city=city, state=state, zip=_digits(rng, zip_pattern), country=country,
            phone=f"{phone_prefix} {_digits(rng, '### ####')}",
            fax=f"{phone_prefix} {_digits(rng, '### ####')}" if rng.random() < 0.15 else "",
            email=f"{_ascii(first)}.{_ascii(last)}{customer_id}@{domain}",
            login=f"{_ascii(first)[:1]}{_ascii(last)}{customer_id}" if rng.random() < 0.7 else "",
            currency=currency, customer_class=self.rng.choice(self.class_ids),
            created_at=self.now - timedelta(days=rng.randrange(1, 1500)),
        )

    def money(self, row):
        rng = self.rng
        if rng.random() < 0.4:
            row.update(balance_control="prepaid", available_funds=_amount(rng, 1, 500, row["currency"]))
        else:
            row.update(balance_control="postpaid", balance=_amount(rng, 0, 400, row["currency"]),
                       credit_limit=rng.choice((None, Decimal(500), Decimal(1000), Decimal(2500))))
        if rng.random() < 0.2:
            row.update(daily_spending_limit=Decimal(rng.choice((20, 50, 100))))

    def force_status(self, row, code):
        """Set the lifecycle fields so that ``code`` is the status the customer shows.

        One recipe per status of ``status.STATUSES``: a status without one stops the
        seed (KeyError) rather than silently never appearing in the demo."""
        days_ago = timedelta(days=self.rng.randrange(2, 20))
        recipes = {
            "permanently_terminated": lambda: dict(provisionally_terminated_at=self.now - 2 * days_ago,
                                                   terminated_at=self.now - days_ago),
            "blocked": lambda: dict(blocked=True),
            "suspended": lambda: dict(suspended=True),
            "provisionally_terminated": lambda: dict(provisionally_terminated_at=self.now - days_ago),
            "credit_exceeded": lambda: dict(balance_control="postpaid", available_funds=Decimal(0),
                                            credit_limit=Decimal(500),
                                            balance=_amount(self.rng, 501, 900, row["currency"])),
            "no_available_funds": lambda: dict(balance_control="prepaid", balance=Decimal(0), credit_limit=None,
                                               available_funds=Decimal(0)),
            "suspension_lifted": lambda: dict(suspension_lifted_until=self.today + timedelta(days=7)),
            "payment_frozen": lambda: dict(payment_frozen=True),
            "spending_limit_reached": lambda: dict(daily_spending_limit=Decimal(50), spent_today=Decimal(52),
                                                   spending_date=self.today),
            "exported": lambda: dict(exported_at=self.now - days_ago),
            ACTIVE: dict,
        }
        row.update(recipes[code]())

    def retail(self, customer_id, index):
        rng = self.rng
        row = self.person(customer_id)
        if self.resellers and rng.random() < 0.25:
            row["reseller"] = rng.choice(self.resellers)
        elif self.distributors and rng.random() < 0.12:
            row["distributor"] = rng.choice(self.distributors)
        self.money(row)
        # The first ones show each status in turn; later ones only now and then.
        if index < 2 * len(FORCED_STATUSES):
            code = FORCED_STATUSES[index % len(FORCED_STATUSES)]
        elif rng.random() < 0.15:
            code = rng.choice(FORCED_STATUSES)
        else:
            code = ACTIVE
        self.force_status(row, code)
        return row, code

    def activity(self, row, code, index, out):
        """Accounts, xDRs, invoices, payments and exchanges of one retail customer.

        The first block of customers has none of them (deletable); the second
        block all of them (not deletable), so both cases are always there.
        """
        rng = self.rng
        customer_id = row["id"]
        if index < len(FORCED_STATUSES):
            has_accounts = False
        elif index < 2 * len(FORCED_STATUSES):
            has_accounts = True
        else:
            has_accounts = rng.random() < 0.65
        needs_invoice = code in OVERDUE_INVOICE
        if has_accounts:
            accounts = []
            for k in range(rng.randrange(1, 4)):
                account_id = self.next_account
                self.next_account += 1
                accounts.append(account_id)
                out["accounts"].append(dict(
                    id=account_id, number=f"{row['phone'].split()[0].lstrip('+')}{customer_id:08d}{k}",
                    customer=customer_id, created_at=row["created_at"]))
            if index < 2 * len(FORCED_STATUSES) or rng.random() < 0.6:
                for _ in range(rng.randrange(1, 5)):
                    seconds = rng.randrange(5, 3600)
                    out["xdrs"].append(dict(
                        customer=customer_id, account=rng.choice(accounts),
                        connect_time=self.now - timedelta(minutes=rng.randrange(1, 60 * 24 * 60)),
                        service="voice", cli=row["phone"], cld=f"+{rng.randrange(10**9, 10**10)}",
                        description="Outgoing call", duration=seconds,
                        amount=Decimal(seconds) * Decimal("0.00035")))
                needs_invoice = needs_invoice or row["balance_control"] == "postpaid"
                if row["balance_control"] == "prepaid":
                    out["payments"].append(dict(customer=customer_id, amount=_amount(rng, 10, 100, row["currency"]),
                                                method=rng.choice(("cash", "check", "card")),
                                                received_at=self.now - timedelta(days=rng.randrange(1, 60))))
        if needs_invoice:
            overdue = code in OVERDUE_INVOICE
            due = self.today - timedelta(days=10 if overdue else -20)
            amount = _amount(rng, 20, 300, row["currency"])
            out["invoices"].append(dict(
                number=f"INV-{customer_id:08d}", customer=customer_id,
                issued_on=due - timedelta(days=30), due_on=due, amount=amount,
                paid=amount if not overdue and rng.random() < 0.8 else Decimal(0)))
        if has_accounts and rng.random() < 0.3:
            name, fee = rng.choice(SUBSCRIPTIONS)
            out["subscriptions"].append(dict(customer=customer_id, name=name, fee=Decimal(fee),
                                             started_on=row["created_at"].date()))
        if index == 2 * len(FORCED_STATUSES) + 1 or (index > 40 and rng.random() < 0.005):
            out["exchanges"].append(dict(vendor=rng.choice(self.vendor_ids), customer=customer_id,
                                         created_at=row["created_at"]))


def _prepared(rows, today):
    """Customer rows normalised and with their derived status, plus search rows."""
    customers, searches = [], []
    for row in rows:
        customer = Customer(**row)
        customer.prepare(today)
        customers.append(customer.__data__)
        searches.append(CustomerSearch.row_for(customer))
    return customers, searches


def _reset_sequences():
    if is_postgres():
        for table in ("customer", "account", "customer_class", "vendor"):
            db.execute_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")


def _reference_data():
    classes = []
    for name, days, grace, fee in CUSTOMER_CLASSES:
        cls, _ = CustomerClass.get_or_create(name=name, defaults={
            "reactivation_days": days, "grace_days": grace, "maintenance_fee": Decimal(fee)})
        classes.append(cls.id)
    vendors = [Vendor.get_or_create(name=name)[0].id for name in VENDORS]
    return classes, vendors


def seed(customers, seed_value=1, progress=None):
    """Add ``customers`` demo customers (and their records) to the database.

    ``progress(done)`` is called after each batch. Returns the number added.
    """
    if customers < MINIMUM:
        raise ValueError(f"--customers must be at least {MINIMUM} to show every status")
    rng = random.Random(seed_value)
    now = datetime.combine(clock.today(), time(12, 0))
    with db.atomic():
        class_ids, vendor_ids = _reference_data()
        _reset_sequences()
    first_id = (Customer.select(fn.MAX(Customer.id)).scalar() or 0) + 1
    owners_r = max(2, customers // 200)
    owners_d = max(1, customers // 500)
    resellers = list(range(first_id, first_id + owners_r))
    distributors = list(range(first_id + owners_r, first_id + owners_r + owners_d))
    gen = _Generator(rng, resellers, distributors, class_ids, vendor_ids, now)
    today = clock.today()

    with db.atomic():
        owners = [gen.person(cid, "reseller") for cid in resellers]
        owners += [gen.person(cid, "distributor") for cid in distributors]
        for row in owners:
            gen.money(row)
        rows, search = _prepared(owners, today)
        insert_rows(Customer, rows)
        insert_rows(CustomerSearch, search)
        # Resellers manage products and tariffs (so they are never deletable),
        # except the last one, which shows a deletable reseller with nothing yet.
        for cid in resellers[:-1]:
            Product.create(name=f"Reseller {cid} bundle", managed_by=cid)
            Tariff.create(name=f"Reseller {cid} tariff", currency="USD", managed_by=cid)
    done = len(owners)
    if progress:
        progress(done)

    next_id = first_id + len(owners)
    index = 0
    while done < customers:
        size = min(BATCH, customers - done)
        out = {"accounts": [], "xdrs": [], "invoices": [], "payments": [], "exchanges": [], "subscriptions": []}
        rows = []
        for _ in range(size):
            # Leave the last reseller without subcustomers so it can be deleted.
            row, code = gen.retail(next_id, index)
            if row.get("reseller") == resellers[-1]:
                row["reseller"] = resellers[0]
            gen.activity(row, code, index, out)
            rows.append(row)
            next_id += 1
            index += 1
        customer_rows, search_rows = _prepared(rows, today)
        with db.atomic():
            # The full-text index filled once per batch, not by its trigger row by row.
            text_index = DeferredTextIndex("customer_search")
            insert_rows(Customer, customer_rows)
            insert_rows(CustomerSearch, search_rows)
            text_index.fill(customer_rows[0]["id"], customer_rows[-1]["id"])
            insert_rows(Account, out["accounts"])
            insert_rows(Xdr, out["xdrs"])
            insert_rows(Invoice, out["invoices"])
            insert_rows(Payment, out["payments"])
            insert_rows(TrafficExchange, out["exchanges"])
            insert_rows(Subscription, out["subscriptions"])
        done += size
        if progress:
            progress(done)
    _reset_sequences()
    refresh_statistics(vacuum=True)
    return done
