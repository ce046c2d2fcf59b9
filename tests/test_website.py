"""The customer's website (issue 12): checked, searchable, in CSV, on the edit page, migrated."""
import csv
import io

import pytest

from data import importer, search, search_pages
from data.conditions import build
from data.db import db
from data.listing import Scope
from data.models import Customer
from data.websites import website_problem
from tests import factories
from tests.conftest import csrf_headers, database_before, soup
from tests.test_edit_page import edit_form, fresh

GOOD = ["https://example.com", "http://example.com/path?q=1#top", "HTTPS://Shop.Example.COM:8443/",
        "https://bücher.example", "http://[2001:db8::1]/", "http://192.0.2.7:8080", "https://a-b.example.co.uk/x%20y"]
BAD = [
    ("example.com", "start it with http:// or https://"),
    ("www.example.com", "start it with http:// or https://"),
    ("ftp://example.com", "start it with http:// or https://"),
    ("javascript:alert(1)", "start it with http:// or https://"),
    ("https:/example.com", "a host name must follow https://"),
    ("http://", "a host name must follow http://"),
    ("http://localhost", "the host name needs a domain"),
    ("https://exa mple.com", "spaces are not allowed"),
    ("http://user:secret@example.com", "a user name or password does not belong in it"),
    ("http://example.com:99999", "the port must be a number from 1 to 65535"),
    ("http://example.com:0", "the port must be a number from 1 to 65535"),
    ("http://[::1", "the host cannot be read"),
    ("http://exa_mple.com", "“exa_mple.com” is not a host name"),
    ("http://1.2.3.999", "“1.2.3.999” is not a host name"),
    ("https://a..example", "“a..example” is not a host name"),
]


@pytest.mark.parametrize("address", GOOD)
def test_web_addresses_with_a_scheme_and_a_host_are_accepted(address):
    assert website_problem(address) is None


@pytest.mark.parametrize("address,why", BAD)
def test_other_addresses_say_why_not(address, why):
    assert why in website_problem(address)


@pytest.fixture
def token(client):
    return csrf_headers(client)["X-CSRFToken"]


def test_the_edit_page_shows_and_saves_the_website(client):
    c = factories.customer("Webbed")
    data = edit_form(client, c)
    assert data["website"] == ""
    field = soup(client.get(f"/customers/{c.id}")).find(id="f-website")
    assert field["type"] == "url" and field.find_parent("fieldset").legend.get_text() == "Address info"
    data["website"] = "  https://webbed.example.org/  "
    assert client.post(f"/customers/{c.id}", data=data).status_code == 303
    assert fresh(c).website == "https://webbed.example.org/"
    assert soup(client.get(f"/customers/{c.id}")).find(id="f-website")["value"] == "https://webbed.example.org/"
    data = edit_form(client, c)  # the form of the saved version
    data["website"] = ""  # empty is allowed: clears it
    assert client.post(f"/customers/{c.id}", data=data).status_code == 303
    assert fresh(c).website == ""


@pytest.mark.parametrize("address,why", [BAD[0], BAD[6]])
def test_a_bad_website_is_a_422_with_the_reason(client, address, why):
    c = factories.customer("Webbed", website="https://old.example.org")
    data = edit_form(client, c)
    data["website"] = address
    response = client.post(f"/customers/{c.id}", data=data)
    assert response.status_code == 422
    html = soup(response)
    assert html.find(id="f-website")["aria-invalid"] == "true"
    assert html.find(id="f-website")["value"] == address  # what was typed is kept
    message = html.find(id="e-website").get_text()
    assert f"“{address}” is not a web address" in message and why in message
    assert fresh(c).website == "https://old.example.org"


def test_create_checks_the_website_too(client, token):
    data = {"csrf_token": token, "name": "New Web", "currency": "USD", "website": "shop.example.com"}
    response = client.post("/customers/new", data=data)
    assert response.status_code == 422 and "start it with http:// or https://" in response.get_data(as_text=True)
    response = client.post("/customers/new", data={**data, "website": "https://shop.example.com"})
    assert response.status_code == 303
    assert Customer.get(name="New Web").website == "https://shop.example.com"


ALL = Scope("all")


def found(q="", conditions=(), scope=ALL):
    built = tuple(build(f, op, v) for f, op, v in conditions)
    return [c.name for c in search_pages.find_page(search.Search(scope, q, built), ("name", False), 1, 50).rows]


@pytest.fixture
def websites(database):
    factories.customer("Bakery", website="https://Bäckerei-Müller.example.de/brot")
    factories.customer("Garage", website="http://garage.example.com")
    factories.customer("Offline")


def test_the_simple_search_finds_the_website(websites):
    assert found(q="BÄCKEREI-MÜLLER") == ["Bakery"]  # folded like every other field
    assert found(q="example.com") == ["Garage"]
    assert found(q="ex") == ["Bakery", "Garage"]  # too short for the trigram index: read row by row
    assert found(q="nowhere.example") == []


@pytest.mark.parametrize("op,value,expected", [
    ("contains", "müller.example", ["Bakery"]),
    ("ends_with", "/BROT", ["Bakery"]),
    ("begins_with", "http://", ["Garage"]),
    ("is", "HTTP://GARAGE.EXAMPLE.COM", ["Garage"]),
    ("is_empty", None, ["Offline"]),
    ("is_not_empty", None, ["Bakery", "Garage"]),
    ("not_contains", "garage", ["Bakery", "Offline"]),
])
def test_conditions_on_the_website(websites, op, value, expected):
    assert found(conditions=[("website", op, value)]) == expected


def test_conditions_on_the_website_over_http(client, websites):
    page = soup(client.get("/customers?scope=all&flt0_website_contains=garage"))
    assert [a.get_text(strip=True) for a in page.select("tbody td.id-col a")] == ["Garage"]
    menu = soup(client.get("/customers?advanced=1")).find(id="cf0")
    assert "website" in [o["value"] for o in menu.find_all("option")]
    assert "website" in soup(client.get("/customers")).find(id="q")["placeholder"]


def _csv(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))


def _write(tmp_path, text, name="in.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return str(path)


def test_csv_export_has_the_website_last_and_import_reads_it(client, tmp_path):
    factories.customer("Webbed", website="https://webbed.example.org/a?b=c")
    response = client.get("/customers.csv?scope=all")
    header = response.get_data(as_text=True).partition("\r\n")[0]
    assert header.endswith(",status,website")
    exported = response.get_data(as_text=True)
    Customer.delete().execute()
    assert importer.import_customers(_write(tmp_path, exported)) == 1
    assert Customer.get(name="Webbed").website == "https://webbed.example.org/a?b=c"
    assert found(q="webbed.example") == ["Webbed"]


def test_csv_files_without_the_website_column_still_import(database, tmp_path):
    """Exports made before the website existed have no such column."""
    old = ("name,customer_type,reseller,distributor,customer_class,company_name,first_name,last_name,address,"
           "city,state,zip,country,phone,fax,email,login,currency,balance_control,balance,available_funds,"
           "credit_limit,blocked,status\r\n"
           "Old Export,retail,,,,Old Co,,,,Springfield,,,US,,,old@example.org,,USD,postpaid,0,0,,false,active\r\n")
    assert importer.import_customers(_write(tmp_path, old)) == 1
    c = Customer.get(name="Old Export")
    assert (c.website, c.city, c.email) == ("", "Springfield", "old@example.org")


def test_csv_import_checks_the_website(runner, tmp_path):
    text = "name,currency,website\r\nFine,USD,https://fine.example\r\nBroken,USD,fine.example\r\n"
    result = runner.invoke(args=["import-customers", _write(tmp_path, text)])
    assert result.exit_code != 0
    assert "line 3: website: “fine.example” is not a web address (start it with http:// or https://)" in result.output
    assert Customer.select().count() == 0


# --- Migration 0012 on a database that has customers --------------------------------------------------------

def _insert_before_0012(name, reseller_id=None, email=""):
    """A customer as the code before migration 0012 wrote it (no website column yet)."""
    param = db.param
    created = "2026-01-01 00:00:00"
    customer_id = db.execute_sql(
        f"INSERT INTO customer (name, currency, email, reseller_id, created_at) VALUES "
        f"({param}, 'USD', {param}, {param}, {param}) RETURNING id", [name, email, reseller_id, created]).fetchone()[0]
    db.execute_sql(f"INSERT INTO customer_search (id, name, email, sort_name, direct) VALUES "
                   f"({param}, {param}, {param}, {param}, {param})",
                   [customer_id, name.casefold(), email, name.casefold(), reseller_id is None])
    return customer_id


@pytest.fixture
def old_database(database, database_url, tmp_path, monkeypatch):
    """A database migrated up to migration 0012 (not included), opened in place of the test database."""
    with database_before(12, database_url, tmp_path, monkeypatch) as migrations:
        yield migrations


def test_migration_0012_adds_a_searchable_website_to_existing_customers(old_database):
    owner = _insert_before_0012("Reseller Rex")
    db.execute_sql(f"UPDATE customer SET customer_type = 'reseller' WHERE id = {db.param}", [owner])
    _insert_before_0012("Anna Direct", email="anna@example.org")
    _insert_before_0012("Bert Subcustomer", reseller_id=owner, email="bert@example.org")

    assert "m0012_website" in old_database.migrate()

    assert {c.name: c.website for c in Customer.select()} == {
        "Reseller Rex": "", "Anna Direct": "", "Bert Subcustomer": ""}
    # The text index was made again: what was indexed before is still found, scopes included.
    assert found(q="example.org") == ["Anna Direct", "Bert Subcustomer"]
    assert found(q="example.org", scope=Scope("direct")) == ["Anna Direct"]
    assert found(conditions=[("email", "ends_with", "@example.org")], scope=Scope("direct")) == ["Anna Direct"]
    # And a website saved from now on is found too.
    bert = Customer.get(name="Bert Subcustomer")
    bert.website = "https://bert.example.net"
    bert.save()
    assert found(q="bert.example") == ["Bert Subcustomer"]
    assert found(q="bert.example", scope=Scope("direct")) == []
    assert found(conditions=[("website", "contains", "example.net")]) == ["Bert Subcustomer"]
