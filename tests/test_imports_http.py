"""Imports in the browser over HTTP (issue 14): upload, encoding, problems with line
numbers before anything is written, import after the check, all or nothing, the
list of past imports, the size limit (413), files that are not CSV, CSRF.

The queue runs each job in the request here (HUEY_IMMEDIATE); tests/test_imports_worker.py
runs them in a real worker."""
import io
import os
from datetime import timedelta

import pytest

import jobs
from data import clock, imports
from data.import_files import Folder
from data.import_records import CustomerImport, ImportProblem
from data.models import Customer
from data.records import History
from tests import factories
from tests.conftest import HTMX, csrf_token, make_user, sign_in, soup

HEADER = "name,customer_type,reseller,currency,balance,email\n"
GOOD = HEADER + "Alpha Ltd,retail,,USD,10.50,a@example.org\nBeta GmbH,reseller,,EUR,0,\nGamma,retail,Beta GmbH,EUR,,\n"


@pytest.fixture(autouse=True)
def folder(app, tmp_path):
    """The import folder of this test (the app's instance folder is the clone's)."""
    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    jobs.configure(app.config, app.instance_path)
    yield tmp_path / "imports"
    app.config["IMPORT_FOLDER"] = None
    jobs.configure(app.config, app.instance_path)


def leftovers(folder):
    return [n for n in os.listdir(folder)] if os.path.isdir(folder) else []


def upload(client, text, name="customers.csv", encoding="", token=None, raw=None):
    data = {"csrf_token": token if token is not None else csrf_token(client, "/imports"), "encoding": encoding,
            "file": (io.BytesIO(raw if raw is not None else text.encode("utf-8")), name)}
    return client.post("/imports", data=data, content_type="multipart/form-data")


def words(element):
    return " ".join(element.get_text(" ").split())


def the_import():
    return CustomerImport.select().order_by(CustomerImport.id.desc()).first()


def post(client, path, **headers):
    return client.post(path, data={"csrf_token": csrf_token(client, "/imports")}, headers=headers)


def test_upload_checks_the_file_and_writes_nothing_until_import_now(client, app):
    answer = upload(client, GOOD)
    imp = the_import()
    assert answer.status_code == 303 and answer.headers["Location"] == f"/imports/{imp.id}"
    assert imp.state == "ready" and imp.lines == 3 and imp.problem_count == 0 and imp.file_name == "customers.csv"
    assert Customer.select().count() == 0  # the check was a dry run
    page = soup(client.get(answer.headers["Location"]))
    assert "The check passed: 3 customers, no problems" in words(page.find(id="import-state"))
    button = page.find("form", action=f"/imports/{imp.id}/import")
    assert "Import now (3 customers)" in words(button)

    done = post(client, f"/imports/{imp.id}/import")
    assert done.status_code == 303
    imp = CustomerImport.get_by_id(imp.id)
    assert imp.state == "imported" and imp.added == 3 and imp.stored == ""  # the file is deleted once imported
    assert {c.name for c in Customer.select()} == {"Alpha Ltd", "Beta GmbH", "Gamma"}
    # The history names the user and the import: the list's link shows exactly these customers.
    assert History.select().where(History.actor == f"admin (import #{imp.id})").count() == 3
    page = soup(client.get(f"/imports/{imp.id}"))
    link = page.find("a", string="See the customers it added")
    assert link["href"] == f"/activity?user=admin+(import+%23{imp.id})&source=import"
    log = soup(client.get(link["href"]))
    assert len(log.select("#activity-results tbody tr")) == 3


def test_a_second_import_now_is_refused(client):
    upload(client, GOOD)
    imp = the_import()
    assert post(client, f"/imports/{imp.id}/import").status_code == 303
    again = post(client, f"/imports/{imp.id}/import")
    assert again.status_code == 409 and "is not ready to import" in words(soup(again))
    assert Customer.select().count() == 3


def test_every_problem_is_shown_with_its_line_number_and_nothing_is_written(client):
    factories.customer("Taken")
    text = HEADER + ("Fine,retail,,USD,,\nTaken,retail,,USD,,\nBad,retail,,QQQ,,\n,retail,,USD,,\n"
                     "Ok,retail,Nobody,USD,,\n")
    upload(client, text)
    imp = the_import()
    assert imp.state == "problems" and imp.lines == 5 and imp.problem_count >= 4
    page = soup(client.get(f"/imports/{imp.id}"))
    rows = [[words(td) for td in tr.find_all("td")] for tr in page.select("table.problem-list tbody tr")]
    lines = [row[0] for row in rows]
    assert lines == sorted(lines, key=int) and {"3", "4", "5", "6"} <= set(lines)
    assert any(row[0] == "3" and "already exists" in row[1] for row in rows)
    assert any(row[0] == "4" and "currency" in row[1] for row in rows)
    assert "nothing was written" in words(page.find(id="import-state"))
    assert page.find("form", action=f"/imports/{imp.id}/import") is None
    assert Customer.select().count() == 1
    assert post(client, f"/imports/{imp.id}/import").status_code == 409


def test_problems_are_paged(client):
    text = HEADER + "".join(f"Name {n},retail,,ZZZ,,\n" for n in range(150))
    upload(client, text)
    imp = the_import()
    assert imp.problem_count == 150
    first = soup(client.get(f"/imports/{imp.id}"))
    assert len(first.select("table.problem-list tbody tr")) == 100
    assert "Page 1 of 2" in words(first.find("nav", class_="pager"))
    second = soup(client.get(f"/imports/{imp.id}?page=2"))
    rows = second.select("table.problem-list tbody tr")
    assert len(rows) == 50 and words(rows[-1].find("td")) == "151"
    fragment = client.get(f"/imports/{imp.id}?page=2", headers=HTMX)
    assert fragment.headers["Vary"] == "HX-Request" or "HX-Request" in fragment.headers["Vary"]
    assert soup(fragment).find("section", id="import-state") and not soup(fragment).find("html")


def test_the_encoding_is_detected_or_chosen(client):
    text = HEADER + "Café Müller,retail,,EUR,,\n"
    upload(client, "", raw=text.encode("cp1252"))
    detected = the_import()
    assert detected.state == "ready" and detected.used_encoding == "cp1252"
    # Chosen wrongly, the same bytes have a problem on line 2, and can be checked again as they are.
    upload(client, "", raw=text.encode("cp1252"), encoding="utf-8")
    wrong = the_import()
    assert wrong.state == "problems"
    assert ImportProblem.get(ImportProblem.customer_import == wrong.id).line == 2
    page = soup(client.get(f"/imports/{wrong.id}"))
    assert page.find("form", action=f"/imports/{wrong.id}/check")
    again = client.post(f"/imports/{wrong.id}/check", data={"csrf_token": csrf_token(client, "/imports"),
                                                             "encoding": "cp1252"})
    assert again.status_code == 303
    assert CustomerImport.get_by_id(wrong.id).state == "ready"
    post(client, f"/imports/{wrong.id}/import")
    assert Customer.get(Customer.name == "Café Müller")
    assert CustomerImport.get_by_id(detected.id).state == "ready"


def test_an_unknown_encoding_is_refused_with_the_form(client):
    answer = upload(client, GOOD, encoding="klingon")
    assert answer.status_code == 422
    assert "Choose an encoding from the list" in words(soup(answer).find(id="encoding-error"))
    assert CustomerImport.select().count() == 0


@pytest.mark.parametrize("raw, message", [
    (b"", "The file is empty"),
    (b"PK\x03\x04\x14\x00\x06\x00rest of a workbook", "This is a zip file (an Excel .xlsx"),
    (b"%PDF-1.7\n...", "This is a PDF document"),
    (b"\x00\x01\x02binary\x00", "not a text file"),
    (b"Customer;Currency\nA;USD\n", "The first line must name the columns"),
])
def test_a_file_that_is_not_a_csv_of_customers_is_refused_at_once(client, folder, raw, message):
    answer = upload(client, "", raw=raw, name="data.xlsx")
    assert answer.status_code == 422
    assert message in words(soup(answer).find(id="file-error"))
    assert CustomerImport.select().count() == 0
    assert leftovers(folder) == []


def test_no_file_is_a_422_with_the_form(client):
    answer = client.post("/imports", data={"csrf_token": csrf_token(client, "/imports"), "encoding": ""},
                         content_type="multipart/form-data")
    assert answer.status_code == 422 and "Choose a CSV file" in words(soup(answer).find(id="file-error"))


def test_a_file_over_the_limit_is_a_413_with_a_clear_message(client, app, folder):
    app.config["IMPORT_MAX_MB"] = "0.01"  # 10 KB
    answer = upload(client, HEADER + "x" * 20_000)
    assert answer.status_code == 413
    assert "larger than the limit" in words(soup(answer)) and "IMPORT_MAX_MB" in words(soup(answer))
    assert CustomerImport.select().count() == 0
    assert leftovers(folder) == []


def test_the_upload_needs_the_csrf_token(client, folder):
    answer = upload(client, GOOD, token="forged")
    assert answer.status_code == 400 and "did not come from this site" in words(soup(answer))
    assert CustomerImport.select().count() == 0
    assert leftovers(folder) == []
    upload(client, GOOD)
    imp = the_import()
    refused = client.post(f"/imports/{imp.id}/import", data={"csrf_token": "forged"})
    assert refused.status_code == 400 and CustomerImport.get_by_id(imp.id).state == "ready"


def test_discard_deletes_the_file_and_writes_nothing(client, folder):
    upload(client, GOOD)
    imp = the_import()
    path = folder / imp.stored
    assert os.path.exists(path)
    answer = post(client, f"/imports/{imp.id}/discard", **HTMX)
    assert answer.status_code == 200 and "Discarded" in words(soup(answer))
    assert not os.path.exists(path) and CustomerImport.get_by_id(imp.id).state == "discarded"
    assert post(client, f"/imports/{imp.id}/import").status_code == 409
    assert Customer.select().count() == 0


def test_a_file_left_waiting_says_it_was_discarded_by_itself(client, folder):
    """The worker's expiry (IMPORT_KEEP_DAYS) as the admin finds it: the import's page says
    the file was discarded and why, offers no Import now, and the file is gone."""
    upload(client, GOOD)
    imp = the_import()
    later = clock.utcnow() + timedelta(days=8)
    assert imports.expire(Folder(folder), later) == [imp.id]
    page = words(soup(client.get(f"/imports/{imp.id}")))
    assert "Discarded; the file was deleted" in page and "the file waited 7 days without being imported" in page
    assert "Import now" not in page and leftovers(folder) == []
    assert post(client, f"/imports/{imp.id}/import").status_code == 409


def test_the_import_is_all_or_nothing_when_the_database_changed_since_the_check(client):
    upload(client, GOOD)
    imp = the_import()
    factories.customer("Gamma")  # taken meanwhile
    post(client, f"/imports/{imp.id}/import")
    imp = CustomerImport.get_by_id(imp.id)
    assert imp.state == "failed" and imp.added == 0 and "nothing was imported" in imp.error
    assert [c.name for c in Customer.select()] == ["Gamma"]
    page = soup(client.get(f"/imports/{imp.id}"))
    assert any("Gamma" in words(tr) and "already exists" in words(tr)
               for tr in page.select("table.problem-list tbody tr"))


def test_past_imports_are_listed_with_who_when_counts_and_a_link_to_the_added(client, app):
    upload(client, GOOD, name="first.csv")
    first = the_import()
    post(client, f"/imports/{first.id}/import")
    upload(client, HEADER + "Delta,retail,,QQQ,,\n", name="exports/second.csv")
    second = the_import()
    page = soup(client.get("/imports"))
    rows = page.select("table.imports-table tbody tr")
    assert [words(r.find("td")) for r in rows] == [f"#{second.id}", f"#{first.id}"]
    cells = [words(td) for td in rows[0].find_all("td")]
    assert cells[1] == "second.csv" and cells[2] == "admin" and cells[4] == "Problems found"
    assert cells[5:8] == ["1", "0", "1"]
    cells = [words(td) for td in rows[1].find_all("td")]
    assert cells[4] == "Imported" and cells[5:8] == ["3", "3", "0"]
    assert rows[1].find("a", string="The 3 added")["href"].startswith("/activity?user=admin+(import+%23")


def test_the_pages_work_without_javascript_and_poll_with_it(client, app, monkeypatch):
    queued = []
    monkeypatch.setattr(jobs, "run_import", lambda import_id: queued.append(import_id))
    upload(client, GOOD)
    imp = the_import()
    assert queued == [imp.id] and imp.state == "checking"
    page = soup(client.get(f"/imports/{imp.id}"))
    state = page.find(id="import-state")
    assert state["data-hx-trigger"] == "every 1s" and state["data-hx-get"] == f"/imports/{imp.id}"
    assert "Waiting for a worker" in words(state)
    assert state.find("a", string="Refresh")["href"] == f"/imports/{imp.id}"
    assert not page.find_all("script", src=False)
    cancelled = post(client, f"/imports/{imp.id}/discard")
    assert cancelled.status_code == 303 and CustomerImport.get_by_id(imp.id).state == "discarded"


def test_the_nav_shows_imports_to_importers_only(client, app):
    nav = [words(a) for a in soup(client.get("/customers")).select("header nav a")]
    assert nav[1:6] == ["Customers", "Classes", "Users", "Imports", "Activity"]
    staff = sign_in(app.test_client(), make_user("rita", "reseller_staff", factories.reseller("R")))
    assert "Imports" not in [words(a) for a in soup(staff.get("/customers")).select("header nav a")]


def test_a_write_that_finds_the_database_locked_is_a_503_that_says_why(client, app, monkeypatch):
    from peewee import OperationalError

    from data import imports

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")
    monkeypatch.setattr(imports, "create", locked)
    answer = upload(client, GOOD)
    assert answer.status_code == 503
    assert "busy with an import; nothing was changed" in words(soup(answer))
