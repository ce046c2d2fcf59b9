"""m0014: the single maintenance fee of a class becomes one fee per currency, keeping
the figure every existing customer was charged, with a history row per class."""
from contextlib import nullcontext

import pytest

from data.db import db
from data.migrations import migrate
from tests.conftest import PG_URL, pg_schema


@pytest.fixture
def before_class_fees(database, database_url, tmp_path, monkeypatch):
    """A database of its own migrated up to m0013; the test's database is bound again afterwards."""
    from data import migrations
    everything = migrations._migrations
    holder = pg_schema() if PG_URL else nullcontext(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with holder as url:
        try:
            from data.db import open_database
            open_database(url)
            monkeypatch.setattr(migrations, "_migrations", lambda: [m for m in everything() if m[0] < 14])
            migrate()
            monkeypatch.setattr(migrations, "_migrations", everything)
            yield
        finally:
            db.close()
            from data.db import open_database
            open_database(database_url)


def _sql(text, params=()):
    return db.execute_sql(text.replace("?", db.param), params)


def test_m0014_keeps_every_customers_fee_in_its_currency(before_class_fees):
    for n, (name, fee) in enumerate([("Business", 500000), ("Free", 0), ("Empty", 250000)], start=1):
        _sql("INSERT INTO customer_class (id, name, reactivation_days, created_at, grace_days, maintenance_fee) "
             "VALUES (?, ?, 30, '2026-01-01 00:00:00', 3, ?)", (n, name, fee))
    for name, currency, class_id in [("a", "EUR", 1), ("b", "USD", 1), ("c", "EUR", 1), ("d", "GBP", 2),
                                     ("e", "JPY", None)]:
        _sql("INSERT INTO customer (name, currency, created_at, customer_class_id) VALUES (?, ?, ?, ?)",
             (name, currency, "2026-01-01 00:00:00", class_id))
    assert "m0014_class_settings" in migrate()

    from decimal import Decimal

    from data import classes
    from data.models import CustomerClass
    from data.records import ClassHistory
    assert classes.fees(1) == {"EUR": Decimal(5), "USD": Decimal(5)}  # what its customers were charged
    assert classes.fees(2) == {}  # no fee before, none now
    # No customers yet: the fee in every currency in use, as the old rule would have charged it.
    assert classes.fees(3) == {c: Decimal("2.5") for c in ("EUR", "GBP", "JPY", "USD")}
    business = CustomerClass.get_by_id(1)
    assert (business.grace_days, business.version, business.retired_at) == (3, 1, None)
    rows = {(h.class_id, h.actor, h.old_value, h.new_value) for h in ClassHistory.select()}
    assert rows == {(1, "migration m0014", "5", "5 EUR, 5 USD"),
                    (3, "migration m0014", "2.5", "2.5 EUR, 2.5 GBP, 2.5 JPY, 2.5 USD")}
    columns = {c.name for c in db.get_columns("customer_class")}
    assert "maintenance_fee" not in columns and {"retired_at", "version"} <= columns
    indexes = {i.name: i.columns for i in db.get_indexes("customer")}
    assert indexes["customer_class_currency"][:2] == ["customer_class_id", "currency"]
    assert "customer_class_idx" not in indexes  # the new one starts with the class: it does that job
