"""The list marks what the search matched (<mark>), names the field when the simple
search matched one the row does not show, and loads nothing more per row for it."""
from tests import factories
from tests.conftest import HTMX, soup


def _row(page, name_text):
    for tr in page.select("#results tbody tr"):
        if tr.select_one("td.id-col a").get_text() == name_text:
            return tr
    raise AssertionError(f"no row {name_text}")


def test_simple_search_marks_the_name_and_the_email(client):
    factories.customer("Eric Smith", email="someone@eric.example")
    factories.customer("MÜLLER GmbH", email="info@mueller.example")
    page = soup(client.get("/customers?q=ERIC"))
    row = _row(page, "Eric Smith")
    assert [m.get_text() for m in row.select("td.id-col mark")] == ["Eric"]
    assert [m.get_text() for m in row.select("td.email mark")] == ["eric"]
    assert row.select_one(".matched-in") is None
    # Unicode folding as the search folds: ü matches Ü.
    row = _row(soup(client.get("/customers?q=m%C3%BCller")), "MÜLLER GmbH")
    assert [m.get_text() for m in row.select("td.id-col mark")] == ["MÜLLER"]


def test_fragment_rows_are_marked_too(client):
    factories.customer("Eric Smith")
    fragment = soup(client.get("/customers?q=smi", headers=HTMX))
    assert [m.get_text() for m in fragment.select("tbody td.id-col mark")] == ["Smi"]


def test_a_match_in_a_field_not_shown_is_named(client):
    factories.customer("Acme Ltd", login="jdoe42", company_name="Acme")
    factories.customer("Beta", company_name="Jdoe42 Holdings", city="jdoe42ville")
    page = soup(client.get("/customers?q=jdoe42"))
    assert _row(page, "Acme Ltd").select_one(".matched-in").get_text() == "matched in login"
    assert _row(page, "Beta").select_one(".matched-in").get_text() == "matched in company, city"
    assert not _row(page, "Acme Ltd").select("mark")


def test_user_data_is_escaped_around_the_marks(client):
    factories.customer("<b>Bold</b> & co")
    response = client.get("/customers?q=bold")
    body = response.get_data(as_text=True)
    assert "&lt;b&gt;<mark>Bold</mark>&lt;/b&gt; &amp; co" in body
    assert "<b>Bold" not in body


def test_advanced_conditions_mark_their_columns(client):
    r = factories.reseller("Big Reseller")
    factories.customer("Acme North", email="north@shop.example", reseller=r)
    factories.customer("Zeta Acme", email="zeta@shop.example")
    page = soup(client.get("/customers?scope=all&flt0_name_begins_with=acme&flt1_email_contains=SHOP"))
    row = _row(page, "Acme North")
    assert [m.get_text() for m in row.select("td.id-col mark")] == ["Acme"]
    assert [m.get_text() for m in row.select("td.email mark")] == ["shop"]
    assert len(page.select("#results tbody tr")) == 1   # "Zeta Acme" does not begin with acme
    page = soup(client.get("/customers?scope=all&flt0_name_ends_with=acme"))
    assert [m.get_text() for m in _row(page, "Zeta Acme").select("mark")] == ["Acme"]
    page = soup(client.get("/customers?scope=all&flt0_reseller_contains=big"))
    assert [m.get_text() for m in _row(page, "Acme North").select("td.owner-col mark")] == ["Big"]
    # Conditions on fields the list does not show mark nothing, and name nothing.
    page = soup(client.get("/customers?scope=all&flt0_city_is_empty=1"))
    assert not page.select("#results mark") and not page.select(".matched-in")


def test_an_unsearched_list_marks_nothing(client):
    factories.customer("Plain")
    page = soup(client.get("/customers"))
    assert not page.select("mark") and not page.select(".matched-in")


def test_marks_cost_no_query_per_row(client, executed):
    for n in range(30):
        factories.customer(f"Person {n}", login=f"user{n}x")
    client.get("/customers?q=user&per_page=25")
    executed.clear()
    page = soup(client.get("/customers?q=user&per_page=25"))
    with_few = len(executed)
    assert len(page.select(".matched-in")) == 25
    for n in range(30, 60):
        factories.customer(f"Person {n}", login=f"user{n}x")
    executed.clear()
    client.get("/customers?q=user&per_page=50")
    assert len(executed) == with_few


def test_a_chosen_column_is_marked_and_no_longer_named(client):
    """With Company chosen as a column (saved views' ``cols``), a match there is marked in
    its cell, and "matched in" names only the fields still not shown."""
    factories.customer("Beta", company_name="Jdoe42 Holdings", city="jdoe42ville")
    row = _row(soup(client.get("/customers?q=jdoe42&cols=name,company_name")), "Beta")
    assert [m.get_text() for m in row.select("mark")] == ["Jdoe42"]
    assert row.select_one(".matched-in") is None
    row = _row(soup(client.get("/customers?q=jdoe42&cols=name,phone")), "Beta")
    assert row.select_one(".matched-in").get_text() == "matched in company, city"


def test_a_row_drawn_again_keeps_the_marks_of_its_list(client):
    """The row a status change (or its Cancel) draws again marks what its list searched for."""
    eric = factories.customer("Eric Smith", email="someone@eric.example")
    back = "/customers?q=eric"
    row = soup(client.get(f"/customers/{eric.id}/row", query_string={"back": back}, headers=HTMX))
    assert [m.get_text() for m in row.select("td.id-col mark")] == ["Eric"]
    assert [m.get_text() for m in row.select("td.email mark")] == ["eric"]
    # A list URL that no longer parses (an owner since renamed): the row unmarked, not an error.
    row = soup(client.get(f"/customers/{eric.id}/row", query_string={"back": "/customers?scope=reseller&owner=Gone"},
                          headers=HTMX))
    assert row.select_one("td.id-col a").get_text() == "Eric Smith" and not row.select("mark")
