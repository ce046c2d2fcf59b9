"""The rows of the demo data: people, money, statuses and their records, drawn from one seed.

The same seed always draws the same rows. The first retail customers cover
every status and both delete cases whatever the size, so even a tiny demo
shows the whole table of the spec.
"""
import random
import unicodedata
from datetime import timedelta
from decimal import Decimal
from functools import cache

from babel.numbers import get_currency_precision
from peewee import fn

from .demo_names import (
    COMPANY_KINDS,
    COMPANY_WORDS,
    FIRST_NAMES,
    LAST_NAMES,
    LEGAL_FORMS,
    PLACES,
    STREETS,
    SUBSCRIPTIONS,
)
from .records import Account
from .status import ACTIVE, CODES

# The conditions that make each status (and "active") appear, in the spec's order.
FORCED_STATUSES = CODES
# Statuses that come from an overdue invoice: their demo customers get one.
OVERDUE_INVOICE = ("suspended", "suspension_lifted")


class Draws:
    """Random draws from one seeded stream, with cheaper helpers than ``random.Random``'s.

    Its ``randrange`` and ``choice`` run a rejection loop in Python on every
    call, and a demo customer takes about thirty draws: at a million customers
    that was a third of the seed's time. Scaling one ``random()`` (a C call) is
    as good for demo data, and as deterministic.
    """

    def __init__(self, seed_value):
        self.random = random.Random(seed_value).random

    def randrange(self, start, stop=None):
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))

    def choice(self, items):
        return items[int(self.random() * len(items))]


@cache
def _ascii(text):
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isascii() and (c.isalnum() or c in ".-")).lower()


@cache
def _digit_pattern(pattern):
    count = pattern.count("#")
    return count, 10**count, f"{{:0{count}d}}", pattern.replace("#", "{}")


def _digits(rng, pattern):
    """``pattern`` with each ``#`` replaced by a random digit (one draw for all of them)."""
    count, limit, digits, template = _digit_pattern(pattern)
    return template.format(*digits.format(int(rng.random() * limit)))


@cache
def _decimals(currency):
    return min(2, get_currency_precision(currency))


def _amount(rng, low, high, currency="USD"):
    """A random exact amount with the currency's usual decimals (none for JPY)."""
    digits = _decimals(currency)
    return Decimal(rng.randrange(low * 10**digits, high * 10**digits)).scaleb(-digits)


class Generator:
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
        fields = _RECIPES[code](self, row, timedelta(days=self.rng.randrange(2, 20)))
        if fields:
            row.update(fields)

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


# What makes each status hold, as (generator, row, days ago) -> fields to set.
_RECIPES = {
    "permanently_terminated": lambda g, row, ago: dict(provisionally_terminated_at=g.now - 2 * ago,
                                                       terminated_at=g.now - ago),
    "blocked": lambda g, row, ago: dict(blocked=True),
    "suspended": lambda g, row, ago: dict(suspended=True),
    "provisionally_terminated": lambda g, row, ago: dict(provisionally_terminated_at=g.now - ago),
    "credit_exceeded": lambda g, row, ago: dict(balance_control="postpaid", available_funds=Decimal(0),
                                                credit_limit=Decimal(500),
                                                balance=_amount(g.rng, 501, 900, row["currency"])),
    "no_available_funds": lambda g, row, ago: dict(balance_control="prepaid", balance=Decimal(0),
                                                   credit_limit=None, available_funds=Decimal(0)),
    "suspension_lifted": lambda g, row, ago: dict(suspension_lifted_until=g.today + timedelta(days=7)),
    "payment_frozen": lambda g, row, ago: dict(payment_frozen=True),
    "spending_limit_reached": lambda g, row, ago: dict(daily_spending_limit=Decimal(50), spent_today=Decimal(52),
                                                       spending_date=g.today),
    "exported": lambda g, row, ago: dict(exported_at=g.now - ago),
    ACTIVE: lambda g, row, ago: None,
}
