"""``GET /activity`` and ``GET /activity.csv`` (issue 14): the page without JavaScript and
as htmx fragments, filters, keyset page links, bad input, the CSV."""
import csv
import io
from datetime import datetime, timedelta

import pytest

from data import deletion, editing
from data.access import Viewer
from data.records import History
from tests import factories
from tests.conftest import HTMX, soup

T0 = datetime(2026, 3, 1, 12, 0, 0)


def entry(name, at=T0, customer_id=1, **fields):
    values = dict(actor="alice", action="edit", source="web", field="city", old_value="Rome", new_value="Paris")
    values.update(fields)
    return History.create(customer_id=customer_id, customer_name=name, at=at, **values)


def shown(response):
    rows = soup(response).select("#activity-results tbody tr")
    return [row.select("td")[3].get_text(" ", strip=True) for row in rows]


def test_the_page_lists_changes_newest_first_with_everything_the_issue_names(client):
    c = factories.customer("Anna Smith")
    entry("Anna Smith", customer_id=c.id, at=T0)
    entry("Anna Smith", customer_id=c.id, at=T0 + timedelta(hours=1), actor="maintenance", source="maintenance",
          action="suspend_overdue", field="suspended", old_value="no", new_value="yes")
    response = client.get("/activity")
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("main h1").get_text() == "Activity log"
    assert page.select_one('nav a[aria-current="page"]').get_text() == "Activity"
    headers = [th.get_text() for th in page.select("#activity-results thead th")]
    assert headers == ["Time (UTC)", "User", "From", "Customer", "Action", "Field", "Old", "New"]
    first = [td.get_text(" ", strip=True) for td in page.select("#activity-results tbody tr")[0].select("td")]
    assert first == ["2026-03-01 13:00:00", "maintenance", "Maintenance", "Anna Smith", "suspend overdue",
                     "suspended", "no", "yes"]
    assert page.select("#activity-results tbody tr")[0].select_one("td a")["href"] == f"/customers/{c.id}"
    assert page.select_one("#activity-results [role=status]").get_text() == "2 entries"
    assert "HX-Request" in response.headers["Vary"]


def test_the_filter_form_is_a_plain_get_form_that_htmx_also_sends(client):
    entry("Anna")
    page = soup(client.get("/activity"))
    form = page.select_one("form#activity-filter")
    assert form["method"] == "get" and form["action"] == "/activity"
    assert form["data-hx-get"] == "/activity" and form["data-hx-target"] == "#activity-results"
    assert {e["name"] for e in form.select("select, input")} == {"user", "action", "source", "customer", "from", "to"}
    for element in form.select("select, input"):
        assert element.find_parent("label") is not None  # every control has its label
    sources = [o["value"] for o in form.select("select[name=source] option")]
    assert sources == ["", "web", "command", "maintenance", "import", "bulk_job"]
    assert [o["value"] for o in form.select("select[name=action] option")] == ["", "edit"]
    assert [o["value"] for o in form.select("select[name=user] option")] == ["", "alice"]


def test_filters_from_the_address_bar(client):
    entry("Anna", customer_id=1, at=T0, actor="alice")
    entry("Bob", customer_id=2, at=T0 + timedelta(days=1), actor="bob", action="block", source="command")
    entry("Carla", customer_id=3, at=T0 + timedelta(days=2), actor="alice", source="import", action="import")
    assert shown(client.get("/activity")) == ["Carla (deleted)", "Bob (deleted)", "Anna (deleted)"]
    assert shown(client.get("/activity?user=bob")) == ["Bob (deleted)"]
    assert shown(client.get("/activity?action=import")) == ["Carla (deleted)"]
    assert shown(client.get("/activity?source=command")) == ["Bob (deleted)"]
    assert shown(client.get("/activity?customer=3")) == ["Carla (deleted)"]
    assert shown(client.get("/activity?customer=ann")) == ["Anna (deleted)"]
    assert shown(client.get("/activity?from=2026-03-02&to=2026-03-02")) == ["Bob (deleted)"]
    page = soup(client.get("/activity?user=bob&from=2026-03-02"))
    assert page.select_one("select[name=user] option[selected]")["value"] == "bob"
    assert page.select_one("input[name=from]")["value"] == "2026-03-02"
    csv_link = page.select_one('a[href^="/activity.csv"]')["href"]
    assert "user=bob" in csv_link and "from=2026-03-02" in csv_link
    nothing = soup(client.get("/activity?user=nobody"))
    assert "No changes match these filters." in nothing.get_text()
    # A value the list does not offer still shows as chosen.
    assert nothing.select_one("select[name=user] option[selected]")["value"] == "nobody"


@pytest.mark.parametrize("query,param,message", [
    ("from=2026-02-30", "from", "“2026-02-30” is not a date (YYYY-MM-DD)"),
    ("to=yesterday", "to", "“yesterday” is not a date (YYYY-MM-DD)"),
    ("from=2026-03-05&to=2026-03-01", "from", "must not be after “to”"),
    ("source=fax", "source", "must be one of web, command, maintenance, import, bulk_job"),
    ("customer=" + "x" * 101, "customer", "is longer than 100 characters"),
    ("before=garbage", "page", "this page link is damaged"),
])
def test_bad_input_is_a_422_that_names_it_and_keeps_the_form(client, query, param, message):
    for headers in ({}, HTMX):
        response = client.get(f"/activity?{query}", headers=headers)
        assert response.status_code == 422
        alert = soup(response).select_one("#activity-results [role=alert]").get_text(" ", strip=True)
        assert f"“{param}”" in alert and message in alert
    full = soup(client.get(f"/activity?{query}"))
    assert full.select_one("form#activity-filter") is not None
    csv_answer = client.get(f"/activity.csv?{query.replace('before=garbage', 'from=x')}")
    assert csv_answer.status_code == 422


def test_page_links_walk_older_and_newer_without_javascript(client):
    for n in range(120):
        entry(f"c{n:03d}", customer_id=n, at=T0 + timedelta(seconds=n // 4))
    first = soup(client.get("/activity"))
    assert shown_names(first)[0] == "c119" and len(shown_names(first)) == 50
    assert first.select_one("[role=status]").get_text() == "The newest 50 entries"
    assert first.select_one('a[aria-label="Newer entries"]') is None
    older = first.select_one('a[aria-label="Older entries"]')["href"]
    second = soup(client.get(older))
    assert shown_names(second)[0] == "c069"
    assert second.select_one("[role=status]").get_text() == "50 older entries"
    third = soup(client.get(second.select_one('a[aria-label="Older entries"]')["href"]))
    assert shown_names(third)[-1] == "c000" and len(shown_names(third)) == 20
    assert third.select_one('a[aria-label="Older entries"]') is None
    back = soup(client.get(third.select_one('a[aria-label="Newer entries"]')["href"]))
    assert shown_names(back) == shown_names(second)
    newest = soup(client.get(back.select_one('a[aria-label="Newest entries"]')["href"]))
    assert shown_names(newest) == shown_names(first)


def shown_names(page):
    return [row.select("td")[3].get_text(" ", strip=True).replace(" (deleted)", "")
            for row in page.select("#activity-results tbody tr")]


def test_htmx_gets_the_results_fragment_and_the_address(client):
    entry("Anna")
    response = client.get("/activity?user=alice", headers={**HTMX, "HX-Current-URL": "http://localhost/activity"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="activity-results"')
    assert "<html" not in body
    assert response.headers["HX-Push-Url"] == "/activity?user=alice"
    # The CSV link is in the fragment: it follows the filters htmx changes.
    assert soup(response).select_one("a[download]")["href"] == "/activity.csv?user=alice"


def test_a_deleted_customer_keeps_its_history_and_the_delete_shows(client):
    admin = Viewer("admin", "operator_admin", source="web")
    c = editing.create_customer({"name": "Gone Soon", "currency": "USD"}, admin)
    deletion.delete_customer(c.id, admin)
    page = soup(client.get(f"/activity?customer={c.id}"))
    rows = page.select("#activity-results tbody tr")
    assert rows[0].select("td")[4].get_text() == "delete"
    assert rows[0].select("td")[3].get_text(" ", strip=True) == "Gone Soon (deleted)"
    assert rows[0].select_one("td a") is None  # nothing to link to any more
    assert {r.select("td")[2].get_text() for r in rows} == {"Web"}


def test_the_csv_has_the_same_entries_and_filters(client):
    entry("=HYPERLINK(1)", customer_id=5, at=T0, new_value="+cmd")
    entry("Bob", customer_id=6, at=T0 + timedelta(seconds=1), actor="bob", source="command")
    response = client.get("/activity.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="activity.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert rows[0] == ["time_utc", "user", "source", "customer_id", "customer", "action", "field", "old_value",
                       "new_value"]
    assert rows[1] == ["2026-03-01 12:00:01", "bob", "command", "6", "Bob", "edit", "city", "Rome", "Paris"]
    assert rows[2][4] == "'=HYPERLINK(1)" and rows[2][8] == "'+cmd"  # formula-safe
    only_bob = list(csv.reader(io.StringIO(client.get("/activity.csv?user=bob&before=x").get_data(as_text=True))))
    assert [r[1] for r in only_bob[1:]] == ["bob"]  # page cursors do not limit the file


def test_the_csv_streams_every_entry_past_one_batch(client):
    History.insert_many([dict(customer_id=n, customer_name=f"c{n}", at=T0 + timedelta(seconds=n), actor="a",
                              action="edit", source="web") for n in range(4500)]).execute()
    lines = client.get("/activity.csv").get_data(as_text=True).splitlines()
    assert len(lines) == 4501 and lines[1].split(",")[4] == "c4499" and lines[-1].split(",")[4] == "c0"


def test_signed_out_visitors_are_sent_to_sign_in(anonymous):
    for path in ("/activity", "/activity.csv"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_readme_documents_both_urls_and_the_csv_columns():
    from pathlib import Path

    from views.activity import CSV_COLUMNS
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "| `GET /activity` |" in readme and "| `GET /activity.csv` |" in readme
    assert "- **`/activity`**" in readme  # in "What is there"
    assert ", ".join(f"`{c}`" for c in CSV_COLUMNS) in readme


def test_nul_characters_in_filters_are_refused_before_the_database(client):
    for query in ("user=%00", "customer=a%00", "action=%00", "from=%00"):
        assert client.get(f"/activity?{query}").status_code == 400, query
        assert client.get(f"/activity.csv?{query}").status_code == 400, query


def test_staff_keep_the_entries_of_a_customer_moved_away_but_get_no_link_to_it(app):
    from tests.conftest import make_user, sign_in
    mine, theirs = factories.reseller("Mine"), factories.reseller("Theirs")
    moved = factories.customer("Moved Max", reseller=theirs)
    kept = factories.customer("Kept Kim", reseller=mine)
    entry("Moved Max", customer_id=moved.id, reseller_id=mine.id, at=T0)
    entry("Kept Kim", customer_id=kept.id, reseller_id=mine.id, at=T0 + timedelta(seconds=1))
    entry("Gone Gil", customer_id=999999, reseller_id=mine.id, at=T0 + timedelta(seconds=2))
    client = sign_in(app.test_client(), make_user("rita", "reseller_staff", mine))
    rows = soup(client.get("/activity")).select("#activity-results tbody tr")
    cells = [r.select("td")[3] for r in rows]
    assert [c.get_text(" ", strip=True) for c in cells] == ["Gone Gil (deleted)", "Kept Kim", "Moved Max"]
    assert [bool(c.select_one("a")) for c in cells] == [False, True, False]


def test_an_imports_own_name_stays_chosen_in_the_user_filter(client):
    """/imports links to the activity of one import ("alice (import #7)"); the filter offers
    people, so that name is added as the chosen option rather than showing "Anyone"."""
    from tests.conftest import soup
    page = soup(client.get("/activity?user=alice%20(import%20%237)&source=import"))
    chosen = page.select_one("select[name=user] option[selected]")
    assert chosen is not None and chosen.get_text() == "alice (import #7)"
