"""Bulk loads (import-customers, seed) add the customer tally a batch at a time
(data/bulk_tally.py), not through its per-row trigger: the tally must come out as a
count of every customer, the trigger must be back afterwards, and a failed load must
leave both as they were."""
import pytest

from data import bulk_tally, importer
from data.db import db, is_postgres
from tests import factories
from tests.test_import_fast import write
from tests.test_import_workers import in_workers
from tests.test_tallies import _ints, _recomputed, _tally

FILE = ("name,customer_type,reseller,distributor,currency,balance_control,balance,available_funds,credit_limit,"
        "blocked\r\n"
        # Owners both before and after their subcustomers (linked at the end), one already in the database.
        + "".join(f"Sub {n},retail,{('Early Reseller', 'Late Reseller', '')[n % 3]},"
                  f"{'Late Distributor' if n % 4 == 0 else ''},{('EUR', 'USD')[n % 2]},"
                  f"{('prepaid', 'postpaid')[n % 5 == 0]},{n}.25,{n % 7 - 3}.5,{'' if n % 3 else n * 10},"
                  f"{'yes' if n % 6 == 0 else ''}\r\n" for n in range(45))
        + "Late Reseller,reseller,,,EUR,postpaid,0,0,,\r\n"
        + "Late Distributor,distributor,,,USD,prepaid,1,1,5,\r\n")


def _insert_trigger():
    if is_postgres():
        return None
    return db.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'customer_tally_insert'").fetchone()


@pytest.mark.parametrize("workers", [False, True])
def test_an_import_tallies_every_customer_under_every_owner(tmp_path, monkeypatch, database, workers):
    factories.customer("Early Reseller", customer_type="reseller")
    factories.customer("Someone Before", currency="USD")
    if workers:
        in_workers(monkeypatch)
    else:
        monkeypatch.setattr(importer, "BATCH", 10)  # several batches, each added on its own
    trigger = _insert_trigger()
    assert importer.import_customers(write(tmp_path, FILE)) == 47
    assert _ints(_tally()) == _ints(_recomputed())
    assert _insert_trigger() == trigger
    # The trigger counts again: a customer saved afterwards is in the tally.
    factories.customer("Saved Afterwards", currency="GBP", balance=3)
    assert _ints(_tally()) == _ints(_recomputed())


def test_the_load_adds_batches_without_the_row_trigger(tmp_path, monkeypatch, database):
    """What makes it cheaper: while batches are added, the per-row trigger is gone (SQLite).
    Both at once would count every customer twice."""
    seen = []
    add = bulk_tally.BulkTally.add

    def spy(self, first_id, last_id):
        seen.append(_insert_trigger())
        add(self, first_id, last_id)
    monkeypatch.setattr(bulk_tally.BulkTally, "add", spy)
    monkeypatch.setattr(importer, "BATCH", 10)
    assert importer.import_customers(write(tmp_path, FILE.replace("Early Reseller", ""))) == 47
    assert len(seen) == 5 and seen == [None] * 5
    assert _ints(_tally()) == _ints(_recomputed())


def test_a_failed_import_leaves_the_tally_and_its_trigger(tmp_path, monkeypatch, database):
    factories.customer("Early Reseller", customer_type="reseller")
    monkeypatch.setattr(importer, "BATCH", 10)
    before, trigger = _tally(), _insert_trigger()
    with pytest.raises(importer.ImportFailed):
        importer.import_customers(write(tmp_path, FILE + "Broken,,,,EURO,,,,,\r\n"))
    assert _tally() == before and _insert_trigger() == trigger


@pytest.mark.parametrize("existing", [False, True])
def test_a_seed_tallies_every_customer(runner, existing):
    if existing:
        factories.customer("Already Here Ltd", currency="CHF", credit_limit=7)
    assert runner.invoke(args=["seed", "--customers", "60", "--seed", "5"]).exit_code == 0
    assert _ints(_tally()) == _ints(_recomputed())
