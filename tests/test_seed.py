"""The demo-data command."""
import pytest

from data import deletion
from data.db import db, is_postgres
from data.models import Customer
from data.records import Account, Invoice, Xdr
from data.status import CODES
from tests import factories


def snapshot():
    return [(c.name, c.status, c.balance, c.reseller_id) for c in Customer.select().order_by(Customer.id)]


def test_seed_covers_every_status_and_both_delete_cases(runner):
    result = runner.invoke(args=["seed", "--customers", "60", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "Added 60 customers" in result.output
    assert Customer.select().count() == 60
    assert {c.status for c in Customer.select()} == set(CODES)
    assert {c.customer_type for c in Customer.select()} == {"retail", "reseller", "distributor"}
    flags = deletion.row_flags([c.id for c in Customer.select()])
    assert any(ok for _, ok in flags.values()) and not all(ok for _, ok in flags.values())
    assert Account.select().count() and Xdr.select().count() and Invoice.select().count()


def test_seed_is_deterministic(runner, app):
    runner.invoke(args=["seed", "--customers", "40", "--seed", "3"])
    first = snapshot()
    from tests.conftest import _empty_tables
    _empty_tables()
    runner.invoke(args=["seed", "--customers", "40", "--seed", "3"])
    assert [row[:3] for row in snapshot()] == [row[:3] for row in first]


def test_seed_refuses_too_few(runner):
    result = runner.invoke(args=["seed", "--customers", "5"])
    assert result.exit_code != 0 and "--customers" in result.output


def test_seed_only_if_empty(runner):
    runner.invoke(args=["seed", "--customers", "20"])
    result = runner.invoke(args=["seed", "--customers", "20", "--only-if-empty"])
    assert result.exit_code == 0 and "no demo data added" in result.output
    assert Customer.select().count() == 20


def test_seeded_rows_are_what_a_save_would_store(runner):
    """The seed writes tuples in bulk, not model saves: every stored customer must
    still be exactly what ``prepare`` (text normalised, status derived) and the
    search row rule make of it."""
    assert runner.invoke(args=["seed", "--customers", "80", "--seed", "4"]).exit_code == 0
    factories.stored_rows_as_saved()


def test_seed_builds_no_model_instance_per_customer(runner, monkeypatch):
    """A model instance and its prepare() per row cost more than the database's own
    work: at a million customers the seed took minutes. Rows go straight to tuples."""
    built = []
    real = Customer.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(Customer, "__init__", counting)
    assert runner.invoke(args=["seed", "--customers", "300"]).exit_code == 0
    monkeypatch.undo()
    assert Customer.select().count() == 300 and len(built) < 10


def _schema():
    """Indexes, triggers and (PostgreSQL) constraints: what a bulk load may suspend."""
    if is_postgres():
        return db.execute_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() UNION ALL "
            "SELECT c.conrelid::regclass::text || '.' || c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE n.nspname = current_schema() ORDER BY 1").fetchall()
    return db.execute_sql("SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                          "ORDER BY name").fetchall()


@pytest.mark.parametrize("existing", [False, True])
def test_seed_keeps_every_index_and_the_text_search(client, runner, existing):
    """Into an empty database the indexes (and on PostgreSQL the foreign keys) are
    dropped for the load and made again at the end, and the text index is filled
    once: all must be back, and searchable."""
    if existing:
        factories.customer("Already Here Ltd")
    before = _schema()
    assert runner.invoke(args=["seed", "--customers", "40"]).exit_code == 0
    assert _schema() == before
    seeded = Customer.select().where(Customer.email != "").order_by(Customer.id.desc()).first()
    part = seeded.email.split("@")[0][2:]
    assert seeded.name in client.get(f"/customers?scope=all&q={part}").get_data(as_text=True)
    # The triggers are back: a customer saved afterwards is found by a substring too.
    factories.customer("Zanzibar Trading Later", city="Stone Town")
    assert "Zanzibar Trading Later" in client.get("/customers?scope=all&q=anzib").get_data(as_text=True)
