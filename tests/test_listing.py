"""Scopes, the simple search and sorting, straight against data/ (and the list's URL
grammar that turns parameters into them, views/list_url.py)."""
from datetime import date, datetime
from decimal import Decimal

import pytest

from data import listing, search, search_pages
from data.listing import Scope
from data.models import Customer
from data.search import Search
from tests import factories
from views import list_url
from views.list_url import InvalidQuery, parse_scope, scope_param

ALL = Scope("all")


def names(scope=ALL, q="", sort=("name", False), page=1, per_page=50):
    return [c.name for c in search_pages.find_page(Search(scope, q), sort, page, per_page).rows]


@pytest.fixture
def world(database):
    r1 = factories.reseller("Reseller One")
    r2 = factories.reseller("Reseller Two")
    d1 = factories.distributor("Distributor One")
    factories.customer("Direct A")
    factories.customer("Direct B", distributor=d1)
    factories.customer("Sub 1a", reseller=r1)
    factories.customer("Sub 1b", reseller=r1)
    factories.customer("Sub 2a", reseller=r2, distributor=d1)
    return r1, r2, d1


def test_scopes(world):
    r1, r2, d1 = world
    assert names(Scope("direct")) == ["Direct A", "Direct B", "Distributor One", "Reseller One", "Reseller Two"]
    assert len(names(Scope("all"))) == 8
    assert names(Scope("reseller", r1)) == ["Sub 1a", "Sub 1b"]
    assert names(Scope("distributor", d1)) == ["Direct B", "Sub 2a"]


def test_parse_scope(world):
    r1, _, d1 = world
    assert parse_scope("direct") == Scope("direct")
    assert parse_scope("") == Scope("direct")
    assert parse_scope("all") == Scope("all")
    assert parse_scope("reseller:Reseller One").owner.id == r1.id
    assert parse_scope("reseller:reseller one").owner.id == r1.id  # unique case-insensitive match
    assert scope_param(parse_scope("distributor:Distributor One")) == "distributor:Distributor One"
    for bad in ("everyone", "reseller", "reseller:", "reseller:Nobody", "distributor:Reseller One", "all:x"):
        with pytest.raises(InvalidQuery) as error:
            parse_scope(bad)
        assert error.value.param == "scope"


def test_owner_choices(world):
    assert listing.owner_choices("reseller") == ["Reseller One", "Reseller Two"]
    assert listing.owner_choices("reseller", "TWO") == ["Reseller Two"]
    assert listing.owner_choices("distributor", "one") == ["Distributor One"]
    assert listing.owner_choices("retail", "a") == []


FIELDS = {
    "name": "Zebra Xylophone", "company_name": "Zebra Xylophone", "first_name": "Zebra Xylophone",
    "last_name": "Zebra Xylophone", "state": "Zebra Xylophone", "city": "Zebra Xylophone",
    "zip": "ZX 123", "phone": "+1 555 9876", "email": "zebra.xylophone@example.org", "login": "zebraxylo",
    "website": "https://zebra-xylophone.example.org/",
}


@pytest.mark.parametrize("field", search.SIMPLE_SEARCH_FIELDS)
def test_simple_search_looks_in_each_listed_field(database, field):
    value = {"country": "ZW"}.get(field, FIELDS.get(field, "Zebra Xylophone"))
    base = {"name": "Plain Person"} if field != "name" else {}
    target = factories.customer(**{**base, field: value})
    factories.customer("Other Person", country="US")
    needle = value[1:-1] if len(value) > 3 else value  # somewhere inside, not only at the start
    assert names(q=needle.upper()) == [target.name]


@pytest.mark.parametrize("field", ["address", "fax"])
def test_simple_search_ignores_other_fields(database, field):
    factories.customer("Plain Person", **{field: "Zebra Xylophone"})
    assert names(q="xylophone") == []


@pytest.mark.parametrize("stored,typed", [
    ("Müller", "MÜLLER"), ("MÜLLER", "müller"), ("Éric", "ÉRIC"), ("éric", "Éric"),
    ("Straße", "STRASSE"), ("Ωmega", "ωMEGA"), ("Søren", "SØR"),
])
def test_search_folds_unicode_case(database, stored, typed):
    factories.customer(f"{stored} Customer")
    assert names(q=typed) == [f"{stored} Customer"]


@pytest.mark.parametrize("typed,expected", [
    ("100%", ["100% Fibre"]), ("%", ["100% Fibre"]), ("a_b", ["a_b ltd"]), ("_", ["a_b ltd"]),
    ("O'Brien", ["O'Brien"]), ('say "hi"', ['say "hi"']), ("back\\slash", ["back\\slash"]), ("\\", ["back\\slash"]),
])
def test_wildcards_quotes_and_backslashes_are_plain(database, typed, expected):
    for name in ("100% Fibre", "1000 Fibre", "a_b ltd", "axb ltd", "O'Brien", 'say "hi"', "back\\slash", "backslash"):
        factories.customer(name)
    assert names(q=typed) == expected


def test_sorting_and_paging(database):
    for name, balance in (("bravo", "5"), ("Alpha", "30"), ("charlie", "-1"), ("Delta", "30")):
        factories.customer(name, balance=Decimal(balance))
    assert names() == ["Alpha", "bravo", "charlie", "Delta"]  # case-insensitive order
    assert names(sort=("name", True)) == ["Delta", "charlie", "bravo", "Alpha"]
    assert names(sort=("balance", False)) == ["charlie", "bravo", "Alpha", "Delta"]
    assert names(sort=("balance", True)) == ["Delta", "Alpha", "bravo", "charlie"]
    page = search_pages.find_page(Search(Scope("all")), ("name", False), 2, 3)
    assert (page.total, page.pages, page.page, [c.name for c in page.rows]) == (4, 2, 2, ["Delta"])
    assert search_pages.find_page(Search(Scope("all")), ("name", False), 9, 3).page == 2  # clamped


def test_balance_and_funds_sorts_put_those_they_do_not_apply_to_last(database):
    """Issue 11 item 20: Balance is a postpaid figure, Available funds a prepaid one."""
    factories.customer("post low", balance=Decimal("-5"))
    factories.customer("post high", balance=Decimal("50"))
    factories.customer("pre rich", balance_control="prepaid", available_funds=Decimal("90"), balance=Decimal("-99"))
    factories.customer("pre poor", balance_control="prepaid", available_funds=Decimal("1"), balance=Decimal("99"))
    assert names(sort=("balance", False)) == ["post low", "post high", "pre rich", "pre poor"]
    assert names(sort=("balance", True)) == ["post high", "post low", "pre poor", "pre rich"]
    assert names(sort=("available_funds", False))[:2] == ["pre poor", "pre rich"]
    assert names(sort=("available_funds", True))[:2] == ["pre rich", "pre poor"]
    # Pages cut across the two groups without losing or repeating anyone.
    assert [names(sort=("balance", False), page=n, per_page=3) for n in (1, 2)] == [
        ["post low", "post high", "pre rich"], ["pre poor"]]


def test_accented_names_sort_with_their_letter(database):
    """Issue 11 item 20: "Éric" belongs with "Eric", not after "Z"."""
    for name in ("Zoë", "Eric", "Éric", "Émile", "Dora", "Ångström", "Fred"):
        factories.customer(name)
    assert names() == ["Ångström", "Dora", "Émile", "Eric", "Éric", "Fred", "Zoë"]
    assert names(sort=("name", True)) == ["Zoë", "Fred", "Éric", "Eric", "Émile", "Dora", "Ångström"]


def test_no_credit_limit_sorts_as_the_largest(database):
    factories.customer("limited", credit_limit=Decimal("10"))
    factories.customer("unlimited")
    factories.customer("higher", credit_limit=Decimal("500"))
    assert names(sort=("credit_limit", False)) == ["limited", "higher", "unlimited"]
    assert names(sort=("credit_limit", True)) == ["unlimited", "higher", "limited"]


def test_sort_by_status_is_by_priority(database):
    factories.customer("exported one", exported_at=__import__("datetime").datetime(2026, 1, 1))
    factories.customer("blocked one", blocked=True)
    factories.customer("active one")
    assert names(sort=("status", False)) == ["blocked one", "exported one", "active one"]


@pytest.mark.parametrize("param,call", [
    ("sort", lambda: list_url.parse_sort("colour")),
    ("page", lambda: list_url.parse_positive("page", "0", 1)),
    ("page", lambda: list_url.parse_positive("page", "x", 1)),
    ("page", lambda: list_url.parse_positive("page", "²", 1)),
    ("page", lambda: list_url.parse_positive("page", "١", 1)),
    ("page", lambda: list_url.parse_positive("page", "9" * 30, 1)),
    ("per_page", lambda: list_url.parse_page_size("7")),
    ("q", lambda: list_url.parse_query_text("x" * 201)),
])
def test_bad_parameters_name_themselves(database, param, call):
    with pytest.raises(InvalidQuery) as error:
        call()
    assert error.value.param == param


def test_rows_for_gives_the_customers_as_a_lookup_does_in_the_order_asked(database):
    """The list's rows are made without Peewee's per-field setattr: the same values,
    nothing dirty, and they save and read relations as a fetched customer does."""
    r = factories.reseller("Owner R")
    made = [factories.customer("Zed", reseller=r, balance=Decimal("12.50")), factories.customer("Amy"), r]
    ids = [made[1].id, 999_999, made[0].id, made[2].id]
    # Every kind of stored value (dates, times, flags, money, keys), converted only where
    # it needs to be: the same values of the same types (True == 1, but not in a template).
    made.append(factories.customer(
        "Full", customer_class=factories.customer_class(), distributor=factories.distributor(), blocked=True,
        suspended=True, payment_frozen=True, suspension_lifted_until=date(2026, 12, 1), credit_limit=Decimal("7.25"),
        terminated_at=datetime(2026, 11, 2, 3, 4, 5), exported_at=datetime(2026, 11, 3),
        spending_date=date(2026, 11, 4), daily_spending_limit=Decimal("3.00"), spent_today=Decimal("1.10"),
        provisionally_terminated_at=datetime(2026, 1, 1)))
    ids.append(made[3].id)
    rows = search.rows_for(ids)
    assert [c.id for c in rows] == [made[1].id, made[0].id, r.id, made[3].id]   # unknown ids left out
    for row in rows:
        fetched = Customer.get_by_id(row.id)
        assert row.__data__ == fetched.__data__ and not row.is_dirty() and row.__rel__ == {}
        assert {k: type(v) for k, v in row.__data__.items()} == {k: type(v) for k, v in fetched.__data__.items()}
    assert rows[3].blocked is True and rows[3].terminated_at == datetime(2026, 11, 2, 3, 4, 5)
    assert rows[1].reseller.name == "Owner R" and rows[1].balance == Decimal("12.50")
    rows[1].name = "Zed Two"
    assert rows[1].dirty_fields == [Customer.name]
    rows[1].save()
    assert Customer.get_by_id(made[0].id).name == "Zed Two"
