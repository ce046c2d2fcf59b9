"""import-customers with its lines checked in worker processes (a large file): the same
problems with the same line numbers, the same rows, the same gram and tally counts as
when they are checked in the main process (a small file)."""
from datetime import datetime
from types import SimpleNamespace

import pytest

from data import clock, import_rows, importer, processes
from data.db import db
from data.models import Customer
from data.records import Account, History
from tests import factories
from tests.test_gram_counts import assert_exact
from tests.test_import_fast import write
from tests.test_tallies import _ints, _recomputed, _tally

BAD = ("name,customer_type,reseller,currency,city,email,balance,accounts\r\n"
       + "".join(f"Row {n},,,EUR,Town {n},r{n}@example.org,{n}.5,A{n}\r\n" for n in range(40))
       + "Bad Mail,,,EUR,Town,not-an-address,,\r\n"          # line 42
       + "Bad Money,,,EUR,Town,,1.234567,\r\n"               # line 43
       + "Row 3,,,EURO,Town,,,A7\r\n"                        # line 44: a name and an account of earlier lines
       + "Sub,,Nobody Such,EUR,,,,\r\n"                     # line 45: an owner neither here nor in the database
       + "Shop,retail,,EUR,,,,\r\n"
       + "Sub Two,,Shop,EUR,,,,\r\n"                        # line 47: a retail customer as reseller
       + "Short,EUR\r\n")                                   # line 48: too few fields


def problems(path):
    with pytest.raises(importer.ImportFailed) as failed:
        importer.import_customers(path)
    return [str(p) for p in failed.value.problems]


def in_workers(monkeypatch, chunk=7):
    monkeypatch.setattr(import_rows, "WORKERS_FROM", 0)
    monkeypatch.setattr(import_rows, "CHUNK", chunk)  # many chunks, several in flight at once
    monkeypatch.setattr(importer, "BATCH", 10)


def test_a_problem_found_in_a_worker_keeps_its_line_number(tmp_path, monkeypatch, database):
    path = write(tmp_path, BAD)
    here = problems(path)
    in_workers(monkeypatch)
    assert problems(path) == here
    assert "line 42: email: “not-an-address” is not an e-mail address (An email address must have an @-sign.)" in here
    assert "line 43: balance: 1.234567 has more than 5 decimal places" in here
    assert "line 44: currency: “EURO” is not an ISO 4217 currency code" in here
    assert "line 44: accounts: “A7” is already on line 9" in here
    assert "line 44: name: “Row 3” is already on line 5" in here
    assert "line 45: reseller: there is no customer “Nobody Such” in the database or the file" in here
    assert "line 47: reseller: “Shop” is a retail, not a reseller" in here
    assert "line 48: has 2 fields, the header has 8" in here
    assert not Customer.select().exists() and not Account.select().exists() and not History.select().exists()


@pytest.mark.parametrize("existing", [False, True])
def test_rows_made_in_workers_are_what_a_save_stores(tmp_path, monkeypatch, database, existing):
    if existing:
        factories.customer("Early Reseller", customer_type="reseller")
    in_workers(monkeypatch)
    text = ("name,customer_type,reseller,distributor,customer_class,currency,city,country,balance,credit_limit,"
            "blocked,accounts\r\n"
            "  Sub  Ünïcode ,retail,Late Reseller,,Gold,eur, Zürich ,ch,12.50,10,,S1 S2\r\n"
            + "".join(f"Filler {n},,{'Early Reseller' if existing and n % 4 == 0 else ''},,,USD,Austin,us,"
                      f"-{n}.25,,{'yes' if n % 3 else ''},F{n}\r\n" for n in range(30))
            + "Late Reseller,reseller,,,,USD,,,0,,,\r\n")
    assert importer.import_customers(write(tmp_path, text)) == 32
    factories.stored_rows_as_saved()
    sub = Customer.get(Customer.name == "Sub  Ünïcode")
    assert sub.reseller.name == "Late Reseller" and sub.customer_class.name == "Gold"
    assert sorted(a.number for a in sub.accounts) == ["S1", "S2"]
    assert History.select().where(History.customer_id == sub.id, History.reseller_id == sub.reseller_id).exists()
    if existing:
        assert Customer.get(Customer.name == "Filler 4").reseller.name == "Early Reseller"
    assert_exact()  # the gram counts the workers made equal a count of every search row


def test_counts_after_a_load_in_workers_equal_a_full_scan(client, tmp_path, monkeypatch, database):
    in_workers(monkeypatch, chunk=50)
    text = "name,currency,city,balance_control,available_funds\r\n" + "".join(
        f"Customer {n},{('EUR', 'USD', 'GBP')[n % 3]},City {n % 7},{'prepaid' if n % 5 else 'postpaid'},"
        f"{n % 11 - 3}\r\n" for n in range(400))
    assert importer.import_customers(write(tmp_path, text)) == 400
    assert_exact()
    assert _ints(_tally()) == _ints(_recomputed())
    page = client.get("/customers?scope=all&q=customer 39").get_data(as_text=True)
    assert "Customer 399" in page


def test_times_adapted_once_read_back_as_a_save_writes_them(tmp_path, monkeypatch, database):
    """SQLite: created_at, the accounts' and the history's times go in as text made once
    (data.bulk.stored_datetime); they must read back as the datetimes a save stores."""
    at = datetime(2026, 3, 4, 5, 6, 7, 890123)
    monkeypatch.setattr(clock, "utcnow", lambda: at)
    in_workers(monkeypatch)
    assert importer.import_customers(write(tmp_path, "name,currency,accounts\r\nTimed,EUR,T1\r\n")) == 1
    customer = Customer.get(Customer.name == "Timed")
    saved = factories.customer("Saved At The Same Time", created_at=at)
    assert customer.created_at == at == Customer.get_by_id(saved.id).created_at
    assert Account.get(Account.number == "T1").created_at == at
    assert History.get(History.customer_id == customer.id).at == at
    ids = [customer.id, saved.id]
    stored = db.execute_sql(f"SELECT created_at FROM customer WHERE id IN ({ids[0]}, {ids[1]}) ORDER BY id").fetchall()
    assert stored[0] == stored[1]  # the same text (SQLite) or timestamp (PostgreSQL)


def test_small_files_and_daemon_processes_check_in_process(tmp_path, monkeypatch):
    path = write(tmp_path, "name,currency\r\nOne,EUR\r\n")
    assert import_rows.workers(path, None, None) is None  # far below WORKERS_FROM
    monkeypatch.setattr(import_rows, "WORKERS_FROM", 0)
    monkeypatch.setattr(processes.multiprocessing, "current_process", lambda: SimpleNamespace(daemon=True))
    assert import_rows.workers(path, None, None) is None


def test_with_other_threads_the_workers_do_not_fork_them(tmp_path, monkeypatch, database):
    """The web import runs in a job worker's thread: forking there would copy locks other
    threads hold. The pool starts from a fork server instead, with the same problems found."""
    import threading
    path = write(tmp_path, BAD)
    here = problems(path)
    in_workers(monkeypatch)
    started = []
    real = processes.multiprocessing.get_context
    monkeypatch.setattr(processes.multiprocessing, "get_context",
                        lambda method: started.append(method) or real(method))
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert problems(path) == here
    finally:
        stop.set()
        other.join()
    assert started == ["forkserver"]
