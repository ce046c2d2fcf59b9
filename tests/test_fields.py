"""The field table (data/fields.py) and what is derived from it: a new text field cannot
be forgotten in the schema, the search indexes or the edit form without a test failing."""
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from data import conditions, export, fields, search_sql
from data.db import db, is_postgres
from data.importer import import_customers
from data.models import Customer, CustomerSearch, prepare
from data.validation import customer_values
from tests import factories
from tests.conftest import soup


def test_the_models_have_a_column_and_a_folded_copy_per_text_field():
    for field in fields.TEXT:
        column = Customer._meta.fields[field.name]
        assert (column.max_length, column.default) == (field.max_length, ""), field.name
        assert field.name in CustomerSearch._meta.fields
    assert Customer._meta.fields["name"].unique


def test_every_list_of_fields_comes_from_the_table():
    assert export.COLUMNS == tuple(f.name for f in fields.FIELDS if f.csv)
    assert export.COLUMNS[:24] == (  # the CSV columns before the table existed, in their order
        "name", "customer_type", "reseller", "distributor", "customer_class", "company_name", "first_name",
        "last_name", "address", "city", "state", "zip", "country", "phone", "fax", "email", "login", "currency",
        "balance_control", "balance", "available_funds", "credit_limit", "blocked", "status")
    assert set(conditions.FIELDS) == {f.name for f in fields.FIELDS if f.ops}
    assert search_sql.SIMPLE_SEARCH_FIELDS == tuple(f.name for f in fields.TEXT if f.simple)
    for field in fields.FIELDS:
        if field.ops:
            spec = conditions.FIELDS[field.name]
            assert (spec.label, spec.kind, spec.ops, spec.auxiliary) == (
                field.label, field.kind, field.ops, field.auxiliary)


def _fts_columns():
    return [row[1] for row in db.execute_sql("PRAGMA table_info(customer_fts)").fetchall()]


def _index_definitions():
    if is_postgres():
        sql = ("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
               "AND tablename = 'customer_search'")
    else:
        sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customer_search'"
    return dict(db.execute_sql(sql).fetchall())


def test_the_migrations_index_every_text_field_for_search(database):
    """Each text field needs its migration: a B-tree on the folded copy and a trigram index."""
    indexes = _index_definitions()
    for name in fields.TEXT_FIELDS:
        btree = "customer_search_sort_name" if name == "name" else f"customer_search_{name}"
        assert btree in indexes, name
        if is_postgres():
            assert "gin_trgm_ops" in indexes[f"customer_search_{name}_trgm"], name
    if not is_postgres():
        assert _fts_columns() == [*fields.TEXT_FIELDS, "owner"]


@pytest.mark.parametrize("page", ["new", "edit"])
def test_the_form_has_an_input_for_every_text_field(client, page):
    """The one line a new field needs in templates/customers/_customer_fields.html (or the
    self-care section, for the login)."""
    url = "/customers/new" if page == "new" else f"/customers/{factories.customer('Formed').id}"
    html = soup(client.get(url))
    for name in fields.TEXT_FIELDS:
        control = html.find(attrs={"name": name})
        assert control is not None, name
        assert html.find("label", attrs={"for": control["id"]}) is not None, name


def test_text_checks_come_from_the_table():
    values, errors = customer_values({"name": "  Checked  ", "currency": "usd", "country": "de",
                                      "email": "not-an-address", "website": "example.com", "zip": "1" * 21})
    assert (values["name"], values["country"], values["currency"]) == ("Checked", "DE", "USD")
    assert "is not an e-mail address" in errors["email"]
    assert "is not a web address" in errors["website"]
    assert errors["zip"] == "is longer than 20 characters"
    assert "country" not in errors


def test_bulk_rows_and_saved_customers_go_through_the_same_preparation(database, tmp_path):
    """The importer stores a line exactly as saving the same values does (no imitation of save)."""
    line = {"name": "Same Ltd", "currency": "eur", "country": "fr", "city": " Lyon ", "balance_control": "prepaid",
            "available_funds": "-1", "website": "https://same.example", "blocked": ""}
    path = tmp_path / "one.csv"
    path.write_text(",".join(line) + "\r\n" + ",".join(line.values()) + "\r\n", encoding="utf-8")
    assert import_customers(str(path)) == 1
    imported = Customer.get(name="Same Ltd")
    imported_search = CustomerSearch.get_by_id(imported.id).__data__
    Customer.delete().execute()

    values, errors = customer_values(line)
    assert not errors
    saved = Customer.create(**values)
    unstable = {"id", "created_at"}
    assert ({k: v for k, v in Customer.get_by_id(saved.id).__data__.items() if k not in unstable}
            == {k: v for k, v in imported.__data__.items() if k not in unstable})
    assert imported.status == "no_available_funds"
    assert ({k: v for k, v in CustomerSearch.get_by_id(saved.id).__data__.items() if k != "customer"}
            == {k: v for k, v in imported_search.items() if k != "customer"})


def test_prepare_works_on_plain_rows_as_on_instances():
    row = dict(name=" Plain\x07 ", currency="usd", country="de", website=" https://x.example ", **{
        name: "" for name in fields.TEXT_FIELDS if name not in ("name", "country", "website")})
    row.update(balance=0, available_funds=Decimal(0), credit_limit="5", daily_spending_limit=None, spent_today=0,
               spending_date=None, balance_control="postpaid", blocked=True, suspended=False, terminated_at=None,
               provisionally_terminated_at=None, suspension_lifted_until=None, payment_frozen=False,
               exported_at=None, status="active")
    plain, instance = SimpleNamespace(**row), Customer(**row)
    prepare(plain, date(2026, 11, 1))
    instance.prepare(date(2026, 11, 1))
    for name in row:
        assert getattr(plain, name) == getattr(instance, name), name
    assert (plain.name, plain.currency, plain.country, plain.credit_limit, plain.status) == (
        "Plain", "USD", "DE", Decimal(5), "blocked")


def test_a_save_that_changes_no_text_leaves_the_search_row_alone(database, executed):
    """Every save used to mark country and currency as changed, and so rewrote the search
    row (and its full-text index entries) on a block or a payment."""
    c = factories.customer("Quiet", country="DE")
    executed.clear()
    c.blocked = True
    c.save()
    assert executed and not [s for s in executed if "customer_search" in s]
    c.city = "Bonn"
    c.save()
    assert [s for s in executed if "customer_search" in s]


def test_the_readme_lists_the_fields_of_the_table():
    """The README documents the public interface: CSV columns, simple-search and condition fields."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()

    def listed(pattern):
        text = re.search(pattern, readme, re.DOTALL).group(1)
        return tuple(re.findall(r"[a-z_]+", text.replace("`", " ")))

    assert listed(r"CSV columns \(export and import\): `([^`]+)`") == export.COLUMNS
    assert listed(r"Simple search \(`q`\) finds the text anywhere in: ([^.]+)\.") == search_sql.SIMPLE_SEARCH_FIELDS
    assert listed(r"\| text: ([^|]+) \|") == fields.TEXT_FIELDS
