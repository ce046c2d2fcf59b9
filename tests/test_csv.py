"""GET /customers.csv and flask import-customers: the same format, both ways."""
import csv
import io
from decimal import Decimal

import pytest

from data.db import is_postgres
from data.export import COLUMNS
from data.models import Customer, CustomerClass
from tests import factories
from tests.conftest import _empty_tables


def read_csv(response):
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.endswith("\r\n")  # RFC 4180 line ends
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_export_streams_every_match_not_one_page(client):
    for n in range(120):
        factories.customer(f"Bulk {n:03d}", city="Springfield" if n % 2 else "Shelbyville")
    response = client.get("/customers.csv?scope=all&flt0_city_is=springfield&per_page=25&page=2", buffered=False)
    assert response.is_streamed
    rows = read_csv(response)
    assert len(rows) == 60 and rows[0]["name"] == "Bulk 001"
    assert response.headers["Content-Disposition"] == 'attachment; filename="customers.csv"'


def test_export_header_and_values(client):
    gold = factories.customer_class("Gold")
    r = factories.reseller("Reseller, \"Quoted\"", currency="EUR")
    factories.customer("Line\nBreak", reseller=r, customer_class=gold, balance=Decimal("12.50"),
                       credit_limit=Decimal("100"), blocked=True, email="x@example.org", currency="JPY")
    rows = {row["name"]: row for row in read_csv(client.get("/customers.csv?scope=all"))}
    assert list(next(iter(rows.values()))) == list(COLUMNS)
    row = rows["Line\nBreak"]
    assert row["reseller"] == 'Reseller, "Quoted"' and row["customer_class"] == "Gold"
    assert (row["balance"], row["credit_limit"], row["available_funds"]) == ("12.5", "100", "0")
    assert (row["blocked"], row["status"], row["currency"]) == ("true", "blocked", "JPY")
    assert rows['Reseller, "Quoted"']["credit_limit"] == ""


def test_export_uses_the_scope(client):
    r = factories.reseller("R")
    factories.customer("Mine")
    factories.customer("Theirs", reseller=r)
    assert [row["name"] for row in read_csv(client.get("/customers.csv"))] == ["Mine", "R"]
    assert [row["name"] for row in read_csv(client.get("/customers.csv?scope=reseller:R"))] == ["Theirs"]


def test_export_bad_parameters(client):
    response = client.get("/customers.csv?flt0_bogus_is=1")
    assert response.status_code == 400 and "flt0_bogus_is" in response.get_data(as_text=True)


def write(tmp_path, text, name="in.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return str(path)


def test_import_creates_schema_and_customers(runner, tmp_path):
    path = write(tmp_path, "currency,name,customer_type,reseller,customer_class,balance,status,blocked,country\r\n"
                           "USD,Sub One,retail,The Reseller,Business,10.50,permanently_terminated,true,us\r\n"
                           "EUR,The Reseller,reseller,,,,active,,DE\r\n")
    result = runner.invoke(args=["import-customers", path])
    assert result.exit_code == 0, result.output
    assert "Imported 2 customers" in result.output
    sub = Customer.get(name="Sub One")
    assert sub.reseller.name == "The Reseller" and sub.customer_class.name == "Business"
    assert sub.balance == Decimal("10.5") and sub.country == "US"
    assert sub.blocked and sub.status == "blocked"  # status in the file is ignored, blocked is not
    assert CustomerClass.select().count() == 1


BAD = ("name,customer_type,reseller,distributor,currency,country,email,balance,balance_control,blocked\r\n"
       "Good,retail,,,USD,,,,,\r\n"
       "Bad Money,retail,,,USD,,,12.5.5,,\r\n"
       "Bad Codes,retail,,,XYZ,QQ,,,,\r\n"
       "Bad Mail,retail,,,USD,,not-an-email,,,\r\n"
       "Good,retail,,,USD,,,,,\r\n"
       ",retail,,,USD,,,,,\r\n"
       "Ghost Owner,retail,Nobody,,USD,,,,,\r\n"
       "Wrong Owner,retail,,Good,USD,,,,,\r\n"
       "Bad Control,retail,,,USD,,,,weekly,maybe\r\n"
       "Short,retail\r\n")


def test_import_reports_every_bad_line_and_writes_nothing(runner, tmp_path):
    factories.customer("Existing")
    result = runner.invoke(args=["import-customers", write(tmp_path, BAD)])
    assert result.exit_code != 0
    out = result.output
    for expected in ("line 3: balance:", "line 4: currency: “XYZ”", "line 4: country: “QQ”", "line 5: email:",
                     "line 6: name: “Good” is already on line 2", "line 7: name: is required",
                     "line 8: reseller: there is no customer “Nobody”", "line 9: distributor: “Good” is a",
                     "line 10: balance_control:", "line 10: blocked:", "line 11: has 2 fields",
                     "nothing was imported"):
        assert expected in out, expected
    assert [c.name for c in Customer.select()] == ["Existing"]


def test_import_refuses_names_already_in_the_database(runner, tmp_path):
    factories.customer("Taken")
    result = runner.invoke(args=["import-customers", write(tmp_path, "name,currency\r\nTaken,USD\r\nFree,USD\r\n")])
    assert result.exit_code != 0 and "line 2: name: a customer “Taken” already exists" in result.output
    assert Customer.select().count() == 1


@pytest.mark.parametrize("header", ["name,currency,colour", "currency,balance", "name,name,currency", ""])
def test_import_checks_the_header(runner, tmp_path, header):
    result = runner.invoke(args=["import-customers", write(tmp_path, header + "\r\n")])
    assert result.exit_code != 0 and "line 1:" in result.output


def test_export_then_import_reproduces_the_customers(client, runner, tmp_path):
    runner.invoke(args=["seed", "--customers", "60", "--seed", "5"])
    exported = client.get("/customers.csv?scope=all").get_data(as_text=True)

    def snapshot():
        fields = [f for f in COLUMNS if f not in ("reseller", "distributor", "customer_class")]
        return sorted(
            (tuple(getattr(c, f) for f in fields if f != "status"),
             c.reseller.name if c.reseller else "", c.distributor.name if c.distributor else "",
             c.customer_class.name if c.customer_class else "")
            for c in Customer.select())

    before = snapshot()
    _empty_tables()
    result = runner.invoke(args=["import-customers", write(tmp_path, exported, "export.csv")])
    assert result.exit_code == 0, result.output
    assert snapshot() == before


def test_an_import_refreshes_statistics_of_its_tables_not_the_whole_database(executed, tmp_path):
    from data import importer

    assert importer.import_customers(write(tmp_path, "name,currency\r\nOne Row Ltd,USD\r\n")) == 1
    assert any("ANALYZE" in s for s in executed)
    vacuums = [s for s in executed if "VACUUM" in s]
    if is_postgres():
        # Index-only scans need the visibility map right after an import: the tables it filled, only.
        assert vacuums == ["VACUUM (ANALYZE) customer, customer_search, account, history"]
    else:
        assert not vacuums
