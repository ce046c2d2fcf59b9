"""Advanced search over HTTP: URLs, the condition form, errors, slow-search warning."""
from urllib.parse import parse_qs, urlsplit

import pytest

from tests import factories
from tests.conftest import HTMX, soup
from tests.test_list_page import row_names


@pytest.fixture
def people(database):
    factories.customer("Eric Smith", email="eric@example.org", city="Boston")
    factories.customer("Erica Hammersmith", email="erica@example.com", city="Austin")
    factories.customer("Maverick", email="mav@example.org", city="Boston")
    factories.customer("Zoe", email="zoe@example.org", city="Denver", blocked=True)


def test_flask_admin_style_url(client, people):
    url = "/customers?scope=all&flt0_name_contains=eric&flt1_email_ends_with=.org"
    assert row_names(client.get(url)) == ["Eric Smith", "Maverick"]
    response = client.get(url, headers=HTMX)
    assert response.headers["HX-Push-Url"] == url


def test_rows_are_ordered_by_n_and_anded(client, people):
    url = "/customers?scope=all&flt5_city_is=boston&flt2_name_begins_with=m"
    assert row_names(client.get(url)) == ["Maverick"]
    rows = soup(client.get(url)).select("#conditions .condition")
    assert [r.select_one("select[name^=cf] option[selected]")["value"] for r in rows] == ["name", "city"]


@pytest.mark.parametrize("query,param,words", [
    ("flt0_colour_is=red", "flt0_colour_is", "names no known field"),
    ("flt0_name_likes=x", "flt0_name_likes", "names no known field"),
    ("flt0_balance_contains=1", "flt0_balance_contains", "not an operator for balance"),
    ("flt0_balance_gt=lots", "flt0_balance_gt", "is not an amount"),
    ("flt0_balance_gt=1.5e400", "flt0_balance_gt", "is not an amount"),
    ("flt0_status_is=sleepy", "flt0_status_is", "is not a status"),
    ("flt0_currency_is=XYZ", "flt0_currency_is", "is not a currency"),
    ("flt0_name_contains=", "flt0_name_contains", "needs a value"),
    ("flt0_name=x", "flt0_name", "has no operator"),
    ("fltx_name_is=x", "fltx_name_is", "is not a filter"),
    ("flt0_name_is=a&flt0_name_is=b", "flt0_name_is", "more than once"),
])
def test_bad_filters_are_400_naming_the_parameter(client, query, param, words):
    for headers in ({}, HTMX):
        response = client.get("/customers?" + query, headers=headers)
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert f"Invalid parameter “{param}”" in text and words in text
        assert "Traceback" not in text and "SELECT" not in text


def test_form_rows_become_the_canonical_url(client, people):
    form = "scope=all&cf0=name&co0=contains&cv0=eric&ck0=name&cf1=email&co1=ends_with&cv1=.org&ck1=email"
    response = client.get("/customers?" + form)
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {
        "scope": ["all"], "flt0_name_contains": ["eric"], "flt1_email_ends_with": [".org"]}
    fragment = client.get("/customers?" + form, headers=HTMX)
    assert row_names(fragment) == ["Eric Smith", "Maverick"]
    assert "flt1_email_ends_with=.org" in fragment.headers["HX-Push-Url"]


def test_incomplete_rows_are_kept_but_not_applied(client, people):
    response = client.get("/customers?scope=all&cf0=name&co0=contains&cv0=&ck0=name")
    assert response.status_code == 200  # no redirect: the empty row would be lost
    assert len(row_names(response)) == 4
    assert len(soup(response).select("#conditions .condition")) == 1


def test_add_and_remove_rows_without_javascript(client, people):
    added = client.get("/customers?scope=all&cf0=city&co0=is&cv0=boston&ck0=city&add=1")
    rows = soup(added).select("#conditions .condition")
    assert len(rows) == 2 and rows[1].select_one("select[name=cf1]").has_attr("autofocus")
    assert soup(added).select_one("button[name=add]")["value"] == "2"
    again = client.get("/customers?scope=all&cf0=city&co0=is&cv0=boston&ck0=city"
                       "&cf1=name&co1=contains&cv1=&ck1=name&add=1")
    assert len(soup(again).select("#conditions .condition")) == 2  # add=1 resent: no second new row
    removed = client.get("/customers?scope=all&cf0=city&co0=is&cv0=boston&ck0=city"
                         "&cf1=name&co1=begins_with&cv1=m&ck1=name&remove=0")
    assert row_names(removed) == ["Maverick"]
    assert len(soup(removed).select("#conditions .condition")) == 1


def test_changing_the_field_redraws_the_row_with_its_operators(client, people):
    response = client.get("/customers?scope=all&cf0=balance&co0=contains&cv0=&ck0=name"
                          "&cf1=city&co1=contains&cv1=bos&ck1=city", headers=HTMX)
    html = soup(response)
    row = html.find(id="condition-0")
    assert row["hx-swap-oob"] == "outerHTML"
    ops = [o["value"] for o in row.select("select[name=co0] option")]
    assert ops == ["eq", "gt", "lt"]
    assert row.select_one("input[name=cv0]")["inputmode"] == "decimal"
    assert html.find(id="condition-1") is None  # untouched rows are not sent back (typing there is safe)


def test_adding_and_removing_rows_with_htmx_touch_only_those_rows(client, people):
    added = soup(client.get("/customers?scope=all&cf0=city&co0=is&cv0=boston&ck0=city&add=1", headers=HTMX))
    wrapper = added.find(attrs={"hx-swap-oob": "beforeend:#condition-rows"})
    assert wrapper.find(id="condition-1") is not None and added.find(id="condition-0") is None
    assert added.find(id="add-row")["hx-swap-oob"] == "true"
    removed = soup(client.get("/customers?scope=all&cf0=city&co0=is&cv0=boston&ck0=city"
                              "&cf1=name&co1=contains&cv1=&ck1=name&remove=1", headers=HTMX))
    assert removed.find(id="condition-1")["hx-swap-oob"] == "delete"


def test_value_input_fits_the_field(client):
    factories.customer_class("Gold")
    html = soup(client.get("/customers?flt0_status_is=blocked&flt1_fax_is_empty=&flt2_customer_class_is=Gold"))
    rows = html.select("#conditions .condition")
    statuses = [o["value"] for o in rows[0].select("select[name=cv0] option") if o["value"]]
    assert statuses[:2] == ["permanently_terminated", "blocked"] and len(statuses) == 11
    assert rows[1].select_one("[name=cv1]") is None and "no value needed" in rows[1].get_text()
    assert [o["value"] for o in rows[2].select("select[name=cv2] option") if o["value"]] == ["Gold"]
    text_ops = [o.get_text() for o in rows[1].select("select[name=co1] option")]
    assert text_ops == ["Is", "Is not", "Begins with", "Contains", "Does not contain", "Ends with",
                        "Is empty", "Is not empty"]


def test_mode_switch_links(client, people):
    simple = soup(client.get("/customers?scope=all&q=eric"))
    link = [a for a in simple.find_all("a") if "Advanced search" in a.get_text()][0]
    assert link["href"] == "/customers?scope=all&advanced=1"
    advanced = soup(client.get(link["href"]))
    assert advanced.find(id="q") is None and len(advanced.select("#conditions .condition")) == 1
    back = advanced.find("a", string="Back to simple search")
    assert back["href"] == "/customers?scope=all"


def test_short_values_warn_before_running(client, people):
    live = client.get("/customers?scope=all&q=er", headers=HTMX)
    assert "does not run as you type" in live.get_data(as_text=True)
    assert soup(live).select_one("#results table") is None and "HX-Push-Url" not in live.headers
    pressed = client.get("/customers?scope=all&q=er&go=1", headers=HTMX)
    assert row_names(pressed) == ["Eric Smith", "Erica Hammersmith", "Maverick", "Zoe"]  # Zoe: Denver
    assert len(row_names(client.get("/customers?scope=all&q=er"))) == 4  # a bookmark just runs
    short_row = client.get("/customers?scope=all&flt0_name_contains=er", headers=HTMX)
    assert "does not run as you type" in short_row.get_data(as_text=True)
    help_text = soup(client.get("/customers?advanced=1")).find(id="search-help").get_text()
    assert "one or two" in help_text


def test_export_link_carries_the_search(client, people):
    html = soup(client.get("/customers?scope=all&flt0_city_is=boston&sort=-name&page=1"))
    link = [a for a in html.find_all("a") if "Export CSV" in a.get_text()][0]
    assert link["href"] == "/customers.csv?scope=all&flt0_city_is=boston&sort=-name"
