"""Deterministic demo data, loaded in bulk (rows drawn by ``demo_rows``).

The same ``(customers, seed)`` always produces the same data. The first retail
customers cover every status and both delete cases whatever the size, so even a
tiny demo shows the whole table of the spec.
"""
from datetime import datetime, time
from decimal import Decimal
from types import SimpleNamespace

from babel.numbers import get_currency_precision
from peewee import fn

from . import clock, gram_counts, processes
from .bulk import DeferredTextIndex, SuspendedForeignKeys, SuspendedIndexes, TableRows
from .bulk_tally import BulkTally
from .db import db, is_postgres, refresh_statistics, write_transaction
from .demo_names import CUSTOMER_CLASSES, PLACES, VENDORS
from .demo_rows import Draws, Generator
from .gram_counts import BulkGrams
from .gram_workers import CountingPool
from .models import Customer, CustomerClass, CustomerSearch
from .records import Account, ClassFee, Invoice, Payment, Product, Subscription, Tariff, TrafficExchange, Vendor, Xdr
from .status import derive_status

BATCH = 20_000
MINIMUM = 20
COUNT_IN_WORKERS_FROM = 20_000  # customers; below, starting the workers costs more than it saves


class _Load:
    """The rows of one batch, gathered as database tuples and written in bulk.

    Derived values come from the model's own rules, as the importer does it: the
    status from ``derive_status``, the search row from ``CustomerSearch.row_for``
    (the generated text is already clean, which the tests check against a save).
    """

    def __init__(self, today, pool):
        self.today = today
        self.grams = BulkGrams()  # its triggers dropped (SQLite) for the load, made again by finish()
        self.tally = BulkTally()  # likewise
        self.counting = CountingPool(self.grams, pool)  # the grams of each row, into self.grams
        self.customers = TableRows(Customer)
        self.searches = TableRows(CustomerSearch)
        self.records = {"accounts": TableRows(Account), "xdrs": TableRows(Xdr, with_id=False),
                        "invoices": TableRows(Invoice, with_id=False), "payments": TableRows(Payment, with_id=False),
                        "exchanges": TableRows(TrafficExchange, with_id=False),
                        "subscriptions": TableRows(Subscription, with_id=False),
                        "products": TableRows(Product, with_id=False), "tariffs": TableRows(Tariff, with_id=False)}

    def customer(self, row):
        row = {**self.customers.defaults, **row}
        shape = SimpleNamespace(**row)
        row["status"] = derive_status(shape, self.today)
        self.customers.append(row, complete=True)
        search = CustomerSearch.row_for(shape)
        self.searches.append(search)
        self.counting.add(search)

    def write(self):
        self.customers.write()
        self.searches.write()
        for rows in self.records.values():
            rows.write()


def _reset_sequences():
    if is_postgres():
        for table in ("customer", "account", "customer_class", "vendor"):
            db.execute_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")


def _reference_data():
    classes = []
    for name, days, grace, fee in CUSTOMER_CLASSES:
        cls, made = CustomerClass.get_or_create(name=name, defaults={"reactivation_days": days, "grace_days": grace})
        if made and Decimal(fee):
            # The fee in every currency the demo customers use, in that currency's usual decimals.
            for currency in sorted({place[4] for place in PLACES}):
                unit = Decimal(1).scaleb(-get_currency_precision(currency))
                ClassFee.create(customer_class=cls.id, currency=currency, amount=Decimal(fee).quantize(unit))
        classes.append(cls.id)
    vendors = [Vendor.get_or_create(name=name)[0].id for name in VENDORS]
    return classes, vendors


# The tables the seed fills: their secondary indexes are built once at the end
# when they start empty (see SuspendedIndexes).
_TABLES = (Customer, CustomerSearch, Account, Xdr, Invoice, Payment, TrafficExchange, Subscription, Product, Tariff)


def _empty_tables():
    return [m._meta.table_name for m in _TABLES if not m.select().exists()]


def seed(customers, seed_value=1, progress=None):
    """Add ``customers`` demo customers (and their records) to the database.

    ``progress(done)`` is called after each batch. Returns the number added.
    One transaction: rows are generated batch by batch (memory stays flat) and
    written in bulk (PostgreSQL: COPY); into an empty database the indexes are
    built once at the end instead of row by row, and the SQLite text index is
    filled batch by batch in a helper thread while the next batch is generated.
    """
    if customers < MINIMUM:
        raise ValueError(f"--customers must be at least {MINIMUM} to show every status")
    rng = Draws(seed_value)
    now = datetime.combine(clock.today(), time(12, 0))
    today = clock.today()
    # Forked before the text index's helper thread starts; a small seed is done before they would be.
    pool = processes.pool() if customers >= COUNT_IN_WORKERS_FROM else None
    try:
        return _seed(customers, rng, now, today, pool, progress)
    finally:
        if pool is not None:
            pool.terminate()  # idle by now, or the seed failed and its work is not wanted


def _seed(customers, rng, now, today, pool, progress):
    with write_transaction(), DeferredTextIndex("customer_search") as text_index:
        class_ids, vendor_ids = _reference_data()
        _reset_sequences()
        first_id = (Customer.select(fn.MAX(Customer.id)).scalar() or 0) + 1
        owners_r = max(2, customers // 200)
        owners_d = max(1, customers // 500)
        resellers = list(range(first_id, first_id + owners_r))
        distributors = list(range(first_id + owners_r, first_id + owners_r + owners_d))
        gen = Generator(rng, resellers, distributors, class_ids, vendor_ids, now)
        empty = _empty_tables()
        fresh = Customer._meta.table_name in empty
        indexes = SuspendedIndexes(empty) if fresh else None
        keys = SuspendedForeignKeys(empty) if fresh else None

        load = _Load(today, pool)
        owners = [gen.person(cid, "reseller") for cid in resellers]
        owners += [gen.person(cid, "distributor") for cid in distributors]
        for row in owners:
            gen.money(row)
            load.customer(row)
        # Resellers manage products and tariffs (so they are never deletable),
        # except the last one, which shows a deletable reseller with nothing yet.
        for cid in resellers[:-1]:
            load.records["products"].append(dict(name=f"Reseller {cid} bundle", managed_by=cid))
            load.records["tariffs"].append(dict(name=f"Reseller {cid} tariff", currency="USD", managed_by=cid))
        load.write()
        load.tally.add(first_id, first_id + len(owners) - 1)
        text_index.add(first_id, first_id + len(owners) - 1)
        done = len(owners)
        if progress:
            progress(done)

        next_id = first_id + len(owners)
        index = 0
        while done < customers:
            size = min(BATCH, customers - done)
            batch_first = next_id
            for _ in range(size):
                # Leave the last reseller without subcustomers so it can be deleted.
                row, code = gen.retail(next_id, index)
                if row.get("reseller") == resellers[-1]:
                    row["reseller"] = resellers[0]
                gen.activity(row, code, index, load.records)
                load.customer(row)
                next_id += 1
                index += 1
            text_index.wait()  # the connection is the text index's helper's until then
            load.write()
            load.tally.add(batch_first, next_id - 1)
            # Indexed in a helper thread while the next batch is generated.
            text_index.add(batch_first, next_id - 1)
            done += size
            if progress:
                progress(done)
        text_index.finish()
        load.tally.finish()
        load.counting.finish()
        load.grams.finish()
        if fresh:
            indexes.rebuild()
            keys.restore()
    _reset_sequences()
    refresh_statistics(vacuum=True)
    gram_counts.compact()
    return done
