"""GET /customers.csv at scale: plain rows instead of model instances (SQLite), the server's
COPY (PostgreSQL), bounded batches, and exactly the text the model-instance export wrote
(the reference below) on both."""
import csv
import io
import json
import random
import threading
from datetime import datetime
from decimal import Decimal

import psycopg
import pytest
from peewee import SQL, Select

from data import export, search
from data.conditions import build
from data.csvfile import neutralise
from data.db import is_postgres
from data.listing import Scope
from data.models import Customer
from data.money import MoneyField, money_text, units_text, units_text_sql
from tests import factories
from tests.conftest import PG_URL

COLUMNS_ID = -1  # plain_rows ends each row with its id
HOSTILE = ["=1+2", "+cmd", "-2", "@SUM(A1)", "\tTab", "\rCR", "\uff1dfull", "\uff0b", "\uff0d", "\uff20x",
           "'quoted", "''twice", "'=both", 'say "hi"', "comma, here", "line\nbreak", "crlf\r\nend",
           "Zoë Ærøskøbing", "İstanbul ß", "日本語", "", "plain", " lead space", "%_", "a'b"]


def reference_csv(customers):
    """The export as it was written from model instances (before plain rows): the spec."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=export.COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for c in customers:
        values = {name: getattr(c, name) for name in export.COLUMNS
                  if name not in ("reseller", "distributor", "customer_class")}
        values.update(reseller=c.reseller.name if c.reseller else "",
                      distributor=c.distributor.name if c.distributor else "",
                      customer_class=c.customer_class.name if c.customer_class else "",
                      balance=money_text(c.balance), available_funds=money_text(c.available_funds),
                      credit_limit=money_text(c.credit_limit), blocked="true" if c.blocked else "false")
        writer.writerow({k: v if k in export.AMOUNTS else neutralise(v) for k, v in values.items()})
    return buffer.getvalue()


def mixed_customers(count=60):
    rng = random.Random(10)
    gold, silver = factories.customer_class("=Gold"), factories.customer_class("Silver, \"best\"")
    owners = [factories.reseller("@Reseller"), factories.reseller("Reseller 'two'"),
              factories.distributor("-Distributor"), factories.distributor("Distributor Ünïcode")]
    amounts = [Decimal("0"), Decimal("-0.00001"), Decimal("12.50"), Decimal("100"), Decimal("-12345678.9"),
               Decimal("9999999999999.99999"), Decimal("0.1"), Decimal("-100")]
    for n in range(count):
        text = lambda: rng.choice(HOSTILE)  # noqa: E731
        fields = dict(company_name=text(), first_name=text(), last_name=text(), address=text(), city=text(),
                      state=text(), zip=text()[:20], phone=text(), fax=text(), login=text(),
                      balance=rng.choice(amounts), available_funds=rng.choice(amounts),
                      credit_limit=rng.choice(amounts + [None]), blocked=rng.random() < 0.2,
                      balance_control=rng.choice(("prepaid", "postpaid")),
                      currency=rng.choice(("USD", "EUR", "JPY")), customer_class=rng.choice((gold, silver, None)))
        if rng.random() < 0.5:
            fields["reseller"] = rng.choice(owners[:2])
        if rng.random() < 0.3:
            fields["distributor"] = rng.choice(owners[2:])
        if rng.random() < 0.1:
            fields["terminated_at"] = datetime(2026, 1, 1)
        factories.customer(f"{rng.choice(HOSTILE)[:40]} {n:03d}", **fields)


def export_text(client, params="scope=all"):
    response = client.get("/customers.csv?" + params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_export_is_the_text_the_model_instance_export_wrote(client):
    mixed_customers()
    # The export's order: by sort key of the name, then direct, then id (data.search).
    ids = [i for (i,) in export.matches(search.Search(Scope("all")), [export.ROW.id]).tuples()]
    every = search.rows_for(ids)
    assert len(every) == Customer.select().count() and {c.status for c in every} > {"active", "blocked"}
    assert export_text(client) == reference_csv(every)


def test_exporting_everything_from_the_bulk_bar_is_the_same_text(client):
    mixed_customers(30)
    bulk = client.get("/customers/bulk/export.csv", query_string={"search": "scope=all", "selection": "all"})
    assert bulk.status_code == 200 and bulk.get_data(as_text=True) == export_text(client)


def test_the_export_builds_no_customer_instances(client, monkeypatch):
    """A million model instances were most of an export's time: rows come as plain tuples."""
    mixed_customers(20)
    made = []
    real = Customer.__init__

    def counting(self, *args, **kwargs):
        made.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(Customer, "__init__", counting)
    text = export_text(client)
    assert text.count("\r\n") > 20  # embedded line breaks also count; at least every customer
    assert made == []


def test_export_writes_one_piece_per_batch_of_rows(database):
    for n in range(25):
        factories.customer(f"Match {n:02d}", city="Springfield")
    condition = (build("city", "is", "springfield"),)
    pieces = list(export.csv_text(search.Search(Scope("all"), "", condition), size=7))
    # The header with the first batch, one piece per batch (never the whole file at once).
    assert [piece.count("\r\n") for piece in pieces] == [1 + 7, 7, 7, 4]


def test_an_export_of_nothing_is_its_header(database):
    factories.customer("Somebody")
    pieces = list(export.csv_text(search.Search(Scope("all"), "nobody-at-all")))
    assert pieces == [",".join(export.COLUMNS) + "\r\n"]


def test_units_text_is_money_text_of_the_stored_amount():
    field, rng = MoneyField(), random.Random(3)
    units = [0, 1, -1, 10, 99_999, 100_000, -100_000, 1_250_000, 10**18 - 1, -(10**18 - 1)]
    units += [rng.randrange(-10**18, 10**18) for _ in range(5000)]
    units += [rng.randrange(-10**6, 10**6) * 10 ** rng.randrange(6) for _ in range(5000)]
    for value in units:
        assert units_text(value) == money_text(field.python_value(value)), value
    assert units_text(None) == money_text(None) == ""


def test_installation_file_keeps_its_format(app):
    r = factories.reseller("=Owner")
    c = factories.customer("Moving 'Co'", reseller=r, balance=Decimal("-0.5"), credit_limit=None, blocked=True)
    factories.account(c, number="2001")
    factories.account(c, number="1001")
    row = next(csv.DictReader(io.StringIO(export.installation_file(c), newline="")))
    assert (row["reseller"], row["balance"], row["credit_limit"], row["blocked"]) == ("'=Owner", "-0.5", "", "true")
    assert (row["status"], row["accounts"], row["name"]) == ("active", "1001 2001", "Moving 'Co'")


def test_the_search_of_an_export_runs_once_not_once_per_batch(executed):
    """Keyset batches ran the search (on SQLite its FTS match) again for every batch; the
    export is one statement (PostgreSQL's COPY: test_postgresql_writes_the_whole_export_in_one_copy)."""
    for n in range(10):
        factories.customer(f"Johnson {n:02d}")
    factories.customer("Smith")
    executed.clear()
    pieces = list(export.csv_text(search.Search(Scope("all"), "johnson"), size=3))
    assert [piece.count("\r\n") for piece in pieces] == [1 + 3, 3, 3, 1]
    assert len([s for s in executed if "customer_search" in s]) == (0 if is_postgres() else 1)


def test_a_batch_is_one_statement_whatever_its_size(executed):
    """PostgreSQL: the ids go as one array, so the statement's text is the same for every
    batch size (psycopg rewrote a thousand %s markers in Python for every batch);
    SQLite keeps one text per size, which its statement cache reuses. Rows come back in
    the ids' order, unknown ids left out."""
    ids = [factories.customer(f"Batch {n}").id for n in range(5)]
    executed.clear()
    assert [r[COLUMNS_ID] for r in export.plain_rows(ids[::-1] + [10**9])] == ids[::-1]
    assert [r[COLUMNS_ID] for r in export.plain_rows(ids[:2])] == ids[:2]
    first, second = executed
    if is_postgres():
        assert first == second and first.count("%s") == 1, executed
    else:
        assert first.count("?") == 6 and second.count("?") == 2, executed


postgres_only = pytest.mark.skipif(not PG_URL, reason="PostgreSQL's COPY export (the PostgreSQL run)")


@postgres_only
def test_postgresql_writes_the_whole_export_in_one_copy(client, executed, monkeypatch):
    """Reading the rows into Python and writing each cell there was 17 s of the app's CPU
    for a million: the server writes the CSV, one statement, no batch queries."""
    mixed_customers(25)
    copies = []
    real = psycopg.Cursor.copy

    def spy(self, statement, *args, **kwargs):
        copies.append(statement)
        return real(self, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "copy", spy)
    executed.clear()
    assert export_text(client, "scope=all&q=0").count("\r\n") > 10
    assert len(copies) == 1 and copies[0].startswith("COPY (SELECT") and "customer_search" in copies[0]
    assert not [s for s in executed if "FETCH" in s or "ANY(" in s], executed  # no cursor, no batch lookups


def test_amounts_written_in_sql_are_units_text(database):
    """Both exports have the database write amounts (money.units_text_sql): the same text
    as units_text, NULL for none."""
    rng = random.Random(5)
    units = [0, 1, -1, 10, 99_999, 100_000, -100_000, -100_001, 1_250_000, 10**18 - 1, -(10**18 - 1)]
    units += [rng.randrange(-10**18, 10**18) for _ in range(2000)]
    units += [rng.randrange(-10**6, 10**6) * 10 ** rng.randrange(6) for _ in range(2000)]
    value = SQL("u")
    source = (SQL("unnest(%s::bigint[]) AS t(u)", ([*units, None],)) if is_postgres()
              else SQL("(SELECT value AS u FROM json_each(?))", (json.dumps([*units, None]),)))
    written = dict(database.execute(Select([source], [value, units_text_sql(value)])).fetchall())
    assert written == {u: units_text(u) or None for u in [*units, None]}


def test_an_export_left_early_stops_its_statement(database):
    """PostgreSQL: the rest of the COPY is cancelled and read; SQLite: the statement ends."""
    for n in range(12):
        factories.customer(f"Early {n:02d}")
    pieces = export.csv_text(search.Search(Scope("all")), size=5)
    first = next(pieces)
    assert first.count("\r\n") == 1 + 5 and "\r\nEarly 00," in first
    pieces.close()
    assert not database.in_transaction()
    # The connection is free again at once.
    assert database.execute_sql("SELECT count(*) FROM customer").fetchone() == (12,)
    pieces = export.csv_text(search.Search(Scope("all")), size=5)
    assert [piece.count("\r\n") for piece in pieces] == [1 + 5, 5, 2]


def test_an_export_longer_than_one_piece_streams_to_its_end(client, monkeypatch):
    """The request's teardown runs between the first piece and the rest: on PostgreSQL it
    handed the connection back to the pool, which waited for the COPY holding it, for ever."""
    monkeypatch.setattr(export, "ROWS_PER_PIECE", 3)
    for n in range(10):
        factories.customer(f"Streamed {n:02d}")
    done = []
    reader = threading.Thread(target=lambda: done.append(export_text(client)), daemon=True)
    reader.start()
    reader.join(timeout=20)
    assert done, "the export did not end"
    assert [row["name"] for row in csv.DictReader(io.StringIO(done[0]))] == [f"Streamed {n:02d}" for n in range(10)]
