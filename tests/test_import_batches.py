"""import-customers over many batches: all or nothing when a bad line comes after batches
were written (and, on SQLite, put in the text index by the helper thread), every problem
with its line, every batch searchable, rows stored as a save stores them."""
import sqlite3
import threading
import time
from decimal import Decimal

import pytest

from data import csvfile, importer
from data.bulk import DeferredTextIndex
from data.db import db, is_postgres
from data.models import Customer
from data.records import Account, History
from tests import factories
from tests.test_import_fast import _indexes, write

BATCH = 10  # several batches out of a few dozen lines: what a million lines does at 5,000


@pytest.fixture(autouse=True)
def small_batches(app, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", BATCH)


def lines(count, start=0):
    return "".join(f"Zanzibar Trading {n},EUR,Stone Town,z{n}@example.org,A{n}\r\n" for n in range(start, count))


HEADER = "name,currency,city,email,accounts\r\n"


def text_index_count(term):
    """SQLite: how many rows the full-text index itself holds for ``term`` (stale entries included)."""
    return db.execute_sql("SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH ?", [f'"{term}"']).fetchone()[0]


@pytest.mark.parametrize("existing", [False, True])
def test_a_bad_line_after_several_batches_writes_nothing(client, tmp_path, existing):
    if existing:
        factories.customer("Already Here Ltd")
    before = _indexes()
    # 95 good lines (nine batches written and indexed), a bad one on line 97, more good ones.
    text = HEADER + lines(95) + "Broken Ltd,EUR,Stone Town,not-an-address,\r\n" + lines(120, 95)
    with pytest.raises(importer.ImportFailed) as failed:
        importer.import_customers(write(tmp_path, text))
    assert [str(p) for p in failed.value.problems] == [
        "line 97: email: “not-an-address” is not an e-mail address (An email address must have an @-sign.)"]
    assert Customer.select().count() == (1 if existing else 0)
    assert not Account.select().exists() and not History.select().exists()
    assert _indexes() == before
    if not is_postgres():
        assert text_index_count("zanzib") == 0  # nothing the helper indexed outlived the rollback
    factories.customer("Zanzibar Trading Later", city="Stone Town")
    page = client.get("/customers?scope=all&q=zanzib").get_data(as_text=True)
    assert "Zanzibar Trading Later" in page and "Zanzibar Trading 17" not in page


def test_problems_in_several_batches_each_have_their_line(tmp_path):
    rows = lines(60).splitlines(keepends=True)
    rows[2] = "Bad Money Ltd,EUR,Stone Town,,,\r\n"                      # line 4: a field too many
    rows[24] = "Zanzibar Trading 24,EUR,Stone Town,z24@example.org,A3\r\n"  # line 26: account of line 5
    rows[47] = "Zanzibar Trading 11,EUR,Stone Town,y@example.org,\r\n"    # line 49: name of line 13
    rows[58] = "Zanzibar Trading 58,QQQ,Stone Town,,\r\n"                 # line 60
    with pytest.raises(importer.ImportFailed) as failed:
        importer.import_customers(write(tmp_path, HEADER + "".join(rows)))
    assert [str(p) for p in failed.value.problems] == [
        "line 4: has 6 fields, the header has 5",
        "line 26: accounts: “A3” is already on line 5",
        "line 49: name: “Zanzibar Trading 11” is already on line 13",
        "line 60: currency: “QQQ” is not an ISO 4217 currency code",
    ]
    assert Customer.select().count() == 0


def test_a_name_only_the_database_refuses_in_a_late_batch_writes_nothing(tmp_path):
    factories.customer("Zanzibar Trading 42")
    before = _indexes()
    with pytest.raises(importer.ImportFailed) as failed:
        importer.import_customers(write(tmp_path, HEADER + lines(60)))
    assert [str(p) for p in failed.value.problems] == ["line 44: name: a customer “Zanzibar Trading 42” already exists"]
    assert [c.name for c in Customer.select()] == ["Zanzibar Trading 42"]
    assert _indexes() == before


@pytest.mark.parametrize("existing", [False, True])
def test_every_batch_reaches_the_text_index(client, tmp_path, existing):
    if existing:
        factories.customer("Already Here Ltd")
    assert importer.import_customers(write(tmp_path, HEADER + lines(37))) == 37
    for n in (0, 9, 10, 23, 36):  # first and last of batches, and the last short batch
        page = client.get(f"/customers?scope=all&flt0_email_ends_with=z{n}@example.org").get_data(as_text=True)
        assert f"Zanzibar Trading {n}<" in page, n
    if not is_postgres():
        assert text_index_count("zanzib") == 37


def test_imported_rows_are_what_a_save_would_store(tmp_path):
    """Rows go in as tuples, batch by batch, not as saves: each stored customer must still be
    what ``prepare`` and the search row rule make of it, owners linked across batches."""
    text = ("name,customer_type,reseller,currency,city,country,balance,credit_limit,blocked\r\n"
            "  Sub  Ünïcode ,retail,Late Reseller,eur, Zürich ,ch,12.50,10,\r\n"
            + "".join(f"Filler {n},,,USD,Austin,us,-{n}.25,,{'yes' if n % 3 else ''}\r\n" for n in range(25))
            + "Late Reseller,reseller,,USD,,,0,,\r\n")
    assert importer.import_customers(write(tmp_path, text)) == 27
    searches = factories.stored_rows_as_saved()
    sub = Customer.get(Customer.name == "Sub  Ünïcode")
    assert sub.reseller.name == "Late Reseller" and sub.city == "Zürich" and sub.country == "CH"
    assert sub.balance == Decimal("12.5") and sub.status == "credit_exceeded"
    assert not searches[sub.id]["direct"]


@pytest.mark.skipif("is_postgres()", reason="SQLite's text index helper thread")
def test_a_failing_text_index_batch_rolls_the_import_back(tmp_path, monkeypatch):
    before = _indexes()
    real, calls = DeferredTextIndex._fill, []

    def fill(self, first_id, last_id):
        calls.append(first_id)
        if len(calls) == 3:
            raise sqlite3.OperationalError("disk I/O error")
        real(self, first_id, last_id)

    monkeypatch.setattr(DeferredTextIndex, "_fill", fill)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        importer.import_customers(write(tmp_path, HEADER + lines(60)))
    assert Customer.select().count() == 0 and text_index_count("zanzib") == 0
    assert _indexes() == before


@pytest.mark.skipif("is_postgres()", reason="SQLite's text index helper thread")
def test_the_loader_waits_for_the_helper_before_each_statement(tmp_path, monkeypatch):
    """The helper thread and the loader share one connection: no statement of the loader
    may start while a batch is being indexed (a class looked up, rows written, owners linked)."""
    busy = []
    real = DeferredTextIndex._fill

    def fill(self, first_id, last_id):
        busy.append(True)
        try:
            time.sleep(0.05)  # a batch that takes a while: the loader goes on meanwhile
            real(self, first_id, last_id)
        finally:
            busy.pop()

    monkeypatch.setattr(DeferredTextIndex, "_fill", fill)
    overlapping = []
    connection = db.connection()
    loader = threading.current_thread()

    def trace(sql):
        if busy and threading.current_thread() is loader:
            overlapping.append(sql)

    connection.set_trace_callback(trace)
    # A new class in every batch (looked up on its first line) and an owner later in the file.
    text = "name,currency,customer_class,reseller,customer_type\r\n" + "".join(
        f"Row {n},EUR,Class {n // BATCH},{'Late Owner' if n == 3 else ''},\r\n" for n in range(45))
    try:
        assert importer.import_customers(write(tmp_path, text + "Late Owner,EUR,,,reseller\r\n")) == 46
    finally:
        connection.set_trace_callback(None)
    assert overlapping == []
    assert Customer.get(Customer.name == "Row 3").reseller.name == "Late Owner"


def test_progress_comes_in_steps_and_adds_up_to_the_file(tmp_path):
    path = write(tmp_path, HEADER + lines(20_000))
    seen = []
    assert sum(1 for _ in csvfile.records(path, progress=seen.append)) == 20_001
    assert sum(seen) == (tmp_path / "in.csv").stat().st_size
    assert len(seen) <= sum(seen) // csvfile.PROGRESS_STEP + 1
