"""The list's rows, drawn in Python (views/list_row.py): every column, every value from
the database escaped, the links and labels a row carries."""
from datetime import datetime

from bs4 import BeautifulSoup

from data import deletion
from data.list_columns import DEFAULT_ORDER
from data.status import BY_CODE
from tests import factories
from tests.conftest import soup
from views.highlight import Marks
from views.list_row import CELLS, customer_row, customer_rows, status_badge
from views.row_links import RowLinks

HOSTILE = '<b>x</b> & "q" \'s'


def _rows(app, customers, **options):
    with app.test_request_context("/customers"):
        flags = deletion.row_flags([c.id for c in customers])
        html = customer_rows(customers, RowLinks('/customers?q=a&b="<c>"'), flags, True, True, **options)
    return BeautifulSoup(f"<table><tbody>{html}</tbody></table>", "html.parser")


def test_every_column_has_a_cell_and_the_cells_follow_the_chosen_order(app):
    assert set(CELLS) == set(DEFAULT_ORDER)
    c = factories.customer("Acme", email="a@acme.example", phone="+1 555", country="US", company_name="Acme Inc")
    for cols in (list(DEFAULT_ORDER), list(DEFAULT_ORDER)[::-1]):
        row = _rows(app, [c], cols=cols).select_one("tr")
        cells = row.find_all("td", recursive=False)
        assert len(cells) == len(cols) + 1   # the select box first
        labels = [td.get("data-label") for td in cells[1:]]
        assert labels[cols.index("email")] == "Email" and labels[cols.index("country")] == "Country"


def test_text_from_the_database_is_escaped_in_every_cell_and_attribute(app):
    klass = factories.customer_class(HOSTILE)
    owner = factories.reseller(f"R {HOSTILE}")
    c = factories.customer(f"N {HOSTILE}", email='e"<i>@x.example', company_name=HOSTILE, phone=HOSTILE,
                           reseller=owner, customer_class=klass)
    factories.account(c)   # not deletable: the reason goes into a title
    extras = {"owners": {c.id: [("reseller", owner.name, f"/customers?scope=reseller&owner={owner.id}")]},
              "classes": {klass.id: klass.name}, "last": {c.id: datetime(2026, 1, 2, 3, 4)}}
    page = _rows(app, [c], cols=list(DEFAULT_ORDER), extras=extras, marks=Marks("q", ()))
    row = page.select_one("tr")
    assert not row.select("b, i, script")   # no tag from the data
    assert row.select_one("td.id-col a").get_text() == c.name
    assert row.select_one("input[type=checkbox]")["aria-label"] == f"Select {c.name}"
    assert row.select_one(".quick-look-link svg")["aria-label"] == f"Quick look at {c.name}"
    assert row.select_one("td.email a").get_text() == c.email
    assert row.select_one("td.email a")["href"] == f"mailto:{c.email}"
    assert row.select_one("td[data-label=Company]").get_text() == HOSTILE
    assert row.select_one("td[data-label=Phone]").get_text() == HOSTILE
    assert row.select_one("td[data-label=Class]").get_text() == HOSTILE
    owner_link = row.select_one("td.owner-col a")
    assert owner_link.get_text() == owner.name and owner_link["title"] == f"Subcustomers of reseller {owner.name}"
    blocked = row.select_one("a.delete-blocked")
    assert blocked["title"] == "Cannot be deleted: it owns accounts"
    assert blocked.select_one("svg")["aria-label"] == f"{c.name} cannot be deleted: it owns accounts"
    # The links keep the list's address, its & and quotes escaped in the markup only.
    assert row.select_one("td.id-col a")["href"] == f'/customers/{c.id}?back=%2Fcustomers%3Fq%3Da%26b%3D%22%3Cc%3E%22'
    assert row.select_one(".quick-look-link")["href"] == f'/customers/{c.id}/quick-look?q=a&b="<c>"'
    assert row.select_one("td[data-label='Last change'] time")["datetime"] == "2026-01-02T03:04:00Z"


def test_marks_wrap_the_matched_text_and_nothing_else(app):
    c = factories.customer("<Eric> & Eric", email="eric@x.example")
    row = _rows(app, [c], cols=["name", "email"], marks=Marks("eric", ())).select_one("tr")
    assert [m.get_text() for m in row.select("td.id-col mark")] == ["Eric", "Eric"]
    assert row.select_one("td.id-col a").get_text() == "<Eric> & Eric"
    assert [m.get_text() for m in row.select("td.email mark")] == ["eric"]


def test_a_deletable_row_confirms_with_the_name_and_the_rights_decide_the_links(app):
    c = factories.customer('Del "me"')
    with app.test_request_context("/customers"):
        flags = deletion.row_flags([c.id])
        links = RowLinks("/customers")
        full = BeautifulSoup(str(customer_row(c, links, flags, True, True, cols=["status", "delete"])), "html.parser")
        none = BeautifulSoup(str(customer_row(c, links, flags, False, False, cols=["status", "delete"], oob=True)),
                             "html.parser")
    delete = full.select_one("a.delete")
    assert delete["data-hx-confirm"] == 'Delete customer “Del "me"”? This cannot be undone.'
    assert delete["data-hx-delete"] == f"/customers/{c.id}"
    assert full.select_one("a.row-status-link")["data-hx-get"].startswith(f"/customers/{c.id}/status-menu?back=")
    assert not none.select("a.delete, a.delete-blocked, a.row-status-link")
    assert none.select_one("tr")["data-hx-swap-oob"] == "true" and "data-hx-swap-oob" not in full.select_one("tr").attrs


def test_without_chosen_columns_the_spec_columns_are_drawn(app):
    c = factories.customer("Plain")
    cells = _rows(app, [c]).select_one("tr").find_all("td", recursive=False)
    assert len(cells) == 12   # the box, then xDRs .. Delete as the spec lists them


def test_the_status_badge_names_every_status_but_active(app):
    for code, info in BY_CODE.items():
        badge = BeautifulSoup(str(status_badge(code)), "html.parser").select_one("span.badge")
        if info.is_active:
            assert badge is None
        else:
            assert badge.get_text() == info.label and badge["title"] == info.description
            assert f"status-{code.replace('_', '-')}" in badge["class"]


def test_the_list_page_draws_hostile_values_as_text(client):
    factories.customer(f"N {HOSTILE}", company_name=HOSTILE)
    page = soup(client.get("/customers?cols=name,company_name,status"))
    row = page.select_one("#results tbody tr")
    assert row.select_one("td.id-col a").get_text() == f"N {HOSTILE}"
    assert row.select_one("td[data-label=Company]").get_text() == HOSTILE
    assert not row.select("b")
