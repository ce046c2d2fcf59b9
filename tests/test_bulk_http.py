"""Bulk actions over HTTP (issue 13): the list's bulk form, preview, start, the job's
page, cancel, the result CSV and the selection's export; pages work without JavaScript."""
import csv
import io

import pytest

from data import clock
from data.bulk_records import BulkJob
from data.models import Customer
from tests import factories
from tests.conftest import HTMX, make_user, sign_in, soup


@pytest.fixture
def customers(app):
    active = [factories.customer(f"Active {n}", email=f"a{n}@example.org") for n in range(4)]
    blocked = [factories.customer(f"Blocked {n}", blocked=True) for n in range(2)]
    gone = factories.customer("Gone", terminated_at=clock.utcnow())
    return active, blocked, gone


def bulk_form(client, url="/customers?scope=all"):
    return soup(client.get(url)).find("form", id="bulk-form")


def form_fields(form):
    fields = [(i["name"], i.get("value", "")) for i in form.find_all("input", type="hidden")]
    return fields


def words(element):
    return " ".join(element.get_text(" ").split())


def post(client, path, fields, **extra):
    data = {}
    for name, value in fields + list(extra.items()):
        data.setdefault(name, []).append(value)
    return client.post(path, data=data)


def test_every_row_has_a_box_for_the_bulk_form_and_the_form_carries_the_search(client, customers):
    page = soup(client.get("/customers?scope=all&q=active"))
    boxes = page.select("#results tbody input[type=checkbox][name=id]")
    assert len(boxes) == 4 and all(b["form"] == "bulk-form" for b in boxes)
    form = page.find("form", id="bulk-form")
    assert form["method"] == "post" and form["action"] == "/customers/bulk/preview"
    assert form.find("input", attrs={"name": "search"})["value"] == "scope=all&q=active"
    assert len(form.find_all("input", attrs={"name": "page_id"})) == 4
    radios = {r["value"]: r.parent.get_text(" ", strip=True) for r in form.select("input[name=selection]")}
    assert radios["all"] == "all 4 matching this search" and radios["page"] == "all 4 on this page"
    options = [o["value"] for o in form.select("select[name=action] option") if o["value"]]
    assert options == ["block", "unblock", "provisionally_terminate", "permanently_terminate", "change_class",
                       "delete", "export"]


def test_a_read_only_role_is_offered_only_the_export(app, customers):
    viewer = sign_in(app.test_client(), make_user("vera", "operator_viewer"))
    options = [o["value"] for o in bulk_form(viewer).select("select[name=action] option") if o["value"]]
    assert options == ["export"]


def test_preview_says_what_will_change_and_what_will_be_skipped(client, customers, token):
    fields = form_fields(bulk_form(client))
    page = soup(post(client, "/customers/bulk/preview", fields, action="block", selection="all", csrf_token=token))
    assert page.find(id="bulk-summary").get_text(" ", strip=True) == "Block 7 customers"
    counts = words(page.select_one(".bulk-counts"))
    assert counts == "4 will change; 3 will be skipped: already blocked 2, it is permanently terminated 1."
    start = page.find("form", id="bulk-start")
    assert start.find("button").get_text(" ", strip=True) == "Block 4 customers"


def test_preview_of_ticked_rows_only(client, customers, token):
    active, _, _ = customers
    fields = form_fields(bulk_form(client))
    fields = [f for f in fields if f[0] != "page_id"] + [("id", active[0].id), ("id", active[1].id)]
    page = soup(post(client, "/customers/bulk/preview", fields, action="block", selection="ticked", csrf_token=token))
    assert page.find(id="bulk-summary").get_text(" ", strip=True) == "Block 2 customers"


@pytest.mark.parametrize(("extra", "message"), [
    ({"action": "", "selection": "all"}, "Choose an action."),
    ({"action": "block", "selection": "ticked"}, "Tick at least one customer"),
    ({"action": "change_class", "selection": "all"}, "choose a customer class"),
])
def test_an_incomplete_bulk_form_is_a_422_that_says_what_is_missing(client, customers, token, extra, message):
    fields = form_fields(bulk_form(client))
    response = post(client, "/customers/bulk/preview", fields, csrf_token=token, **extra)
    assert response.status_code == 422
    assert message in soup(response).select_one("article .notice-error").get_text(" ", strip=True)


def test_bad_rows_or_search_are_a_400(client, customers, token):
    assert post(client, "/customers/bulk/preview", [("search", "scope=nowhere")], action="block", selection="all",
                csrf_token=token).status_code == 400
    assert post(client, "/customers/bulk/preview", [("search", "scope=all"), ("id", "x")], action="block",
                csrf_token=token).status_code == 400


def test_running_a_job_blocks_and_shows_the_result(client, customers, token):
    active, blocked, gone = customers
    fields = form_fields(bulk_form(client))
    response = post(client, "/customers/bulk", fields, action="block", selection="all", csrf_token=token)
    assert response.status_code == 303
    job = BulkJob.get()
    assert response.headers["Location"] == f"/customers/bulk/{job.id}"
    assert all(Customer.get_by_id(c.id).blocked for c in active)
    page = soup(client.get(f"/customers/bulk/{job.id}"))
    status = words(page.select_one("#bulk-progress [role=status]"))
    assert status == "Finished: 7 of 7 customers looked at, 4 changed, 3 skipped."
    assert page.select_one("#bulk-progress").get("data-hx-trigger") is None  # finished: no more polling
    reasons = [[td.get_text(strip=True) for td in tr.select("td")] for tr in page.select(".bulk-reasons tbody tr")]
    assert reasons == [["already blocked", "2"], ["it is permanently terminated", "1"]]
    skipped = soup(client.get(f"/customers/bulk/{job.id}?only=skipped")).select(".bulk-outcomes tbody tr")
    assert len(skipped) == 3
    text = client.get(f"/customers/bulk/{job.id}.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 7 and {r["outcome"] for r in rows} == {"changed", "skipped"}
    assert {r["reason"] for r in rows if r["customer"] == "Gone"} == {"it is permanently terminated"}


def test_a_running_job_is_polled_and_can_be_cancelled(client, customers, token):
    from data.access import Viewer
    from data.bulk_jobs import create
    job = create(Viewer("admin", "operator_admin"), "block", "", "scope=all", [], "test", 7)
    BulkJob.update(state="running", runner="somewhere:1:x", heartbeat_at=clock.utcnow()).where(
        BulkJob.id == job.id).execute()
    fragment = client.get(f"/customers/bulk/{job.id}", headers=HTMX)
    part = soup(fragment).find(id="bulk-progress")
    assert part["data-hx-trigger"] == "every 1s" and "HX-Request" in fragment.headers["Vary"]
    assert part.find("progress")["max"] == "100"
    response = client.post(f"/customers/bulk/{job.id}/cancel", data={"csrf_token": token})
    assert response.status_code == 303
    assert BulkJob.get_by_id(job.id).cancel_requested
    text = soup(client.get(f"/customers/bulk/{job.id}")).select_one("#bulk-progress [role=status]").get_text(" ")
    assert "Stopping after the current batch" in text


def test_permanent_termination_needs_the_number_typed(client, customers, token):
    fields = form_fields(bulk_form(client)) + [("action", "permanently_terminate"), ("selection", "all"),
                                               ("csrf_token", token)]
    page = soup(post(client, "/customers/bulk/preview", fields))
    assert page.find("input", attrs={"name": "confirmation"}) is not None
    for typed in ("", "5", "yes"):
        response = post(client, "/customers/bulk", fields, confirmation=typed)
        assert response.status_code == 422
        assert "Type 6" in soup(response).select_one("article .notice-error").get_text(" ", strip=True)
    assert BulkJob.select().count() == 0
    assert post(client, "/customers/bulk", fields, confirmation="6").status_code == 303
    assert Customer.select().where(Customer.terminated_at.is_null()).count() == 0


def test_change_class_over_http(client, customers, token):
    cls = factories.customer_class("Gold")
    fields = form_fields(bulk_form(client))
    response = post(client, "/customers/bulk", fields, action="change_class", customer_class=cls.id,
                    selection="all", csrf_token=token)
    assert response.status_code == 303
    assert Customer.select().where(Customer.customer_class == cls.id).count() == 6


def test_a_retired_class_is_not_offered_and_cannot_be_given_in_bulk(client, customers, token):
    gold = factories.customer_class("Gold")
    old = factories.customer_class("Old", retired_at=clock.utcnow())
    form = bulk_form(client)
    offered = [o.get_text() for o in form.select("select[name=customer_class] option") if o["value"]]
    assert offered == ["Gold"]
    fields = form_fields(form)
    response = post(client, "/customers/bulk/preview", fields, action="change_class", customer_class=old.id,
                    selection="all", csrf_token=token)
    assert response.status_code == 422
    page = soup(response)
    assert "the customer class “Old” is retired: choose another" in page.select_one(
        "article .notice-error").get_text(" ", strip=True)
    assert [o.get_text() for o in page.select("select[name=customer_class] option") if o["value"]] == ["Gold"]
    assert post(client, "/customers/bulk", fields, action="change_class", customer_class=old.id,
                selection="all", csrf_token=token).status_code == 422
    assert Customer.select().where(Customer.customer_class.in_([gold.id, old.id])).count() == 0


def test_a_role_that_may_not_gets_a_403_and_nothing_runs(app, customers):
    clerk = sign_in(app.test_client(), make_user("clerk", "billing_clerk"))
    from tests.conftest import csrf_token
    token = csrf_token(clerk)
    fields = form_fields(bulk_form(clerk))
    assert post(clerk, "/customers/bulk/preview", fields, action="block", selection="all",
                csrf_token=token).status_code == 403
    assert post(clerk, "/customers/bulk", fields, action="block", selection="all", csrf_token=token).status_code == 403
    assert BulkJob.select().count() == 0


def test_someone_elses_job_is_not_found(app, client, customers, token):
    fields = form_fields(bulk_form(client))
    post(client, "/customers/bulk", fields, action="block", selection="all", csrf_token=token)
    job = BulkJob.get()
    staff_owner = factories.reseller("R")
    other = sign_in(app.test_client(), make_user("rita", "reseller_staff", staff_owner))
    for path in (f"/customers/bulk/{job.id}", f"/customers/bulk/{job.id}.csv"):
        assert other.get(path).status_code == 404
    assert client.get("/customers/bulk").status_code == 200
    assert f"#{job.id}" in soup(client.get("/customers/bulk")).get_text()


def test_export_of_the_selection(client, customers):
    active, _, _ = customers
    response = client.get("/customers/bulk/export.csv", query_string=[("search", "scope=all"), ("selection", "ticked"),
                                                                      ("id", active[1].id), ("id", active[0].id)])
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["name"] for r in rows] == ["Active 0", "Active 1"]
    response = client.get("/customers/bulk/export.csv", query_string={"search": "scope=all&q=blocked",
                                                                      "selection": "all"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted(r["name"] for r in rows) == ["Blocked 0", "Blocked 1"]


def test_start_of_an_export_goes_to_the_download(client, customers, token):
    fields = form_fields(bulk_form(client))
    response = post(client, "/customers/bulk", fields, action="export", selection="all", csrf_token=token)
    assert response.status_code == 303 and response.headers["Location"].startswith("/customers/bulk/export.csv?")
    rows = list(csv.DictReader(io.StringIO(client.get(response.headers["Location"]).get_data(as_text=True))))
    assert len(rows) == 7
    ticked = post(client, "/customers/bulk", fields, action="export", selection="page", csrf_token=token)
    rows = list(csv.DictReader(io.StringIO(client.get(ticked.headers["Location"]).get_data(as_text=True))))
    assert len(rows) == 7


def test_a_finished_jobs_outcomes_come_in_pages(client, customers, token, monkeypatch):
    import views.bulk
    monkeypatch.setattr(views.bulk, "OUTCOMES_PAGE", 3)
    fields = form_fields(bulk_form(client))
    post(client, "/customers/bulk", fields, action="block", selection="all", csrf_token=token)
    job = BulkJob.get()
    seen, url = [], f"/customers/bulk/{job.id}"
    while url:
        page = soup(client.get(url))
        seen += [words(tr.select_one("td")) for tr in page.select(".bulk-outcomes tbody tr")]
        following = page.select_one(".outcome-pages a[href*='after=']")
        url = following["href"] if following else None
    assert len(seen) == 7 and len(set(seen)) == 7  # every outcome once, none lost between pages
    last = soup(client.get(f"/customers/bulk/{job.id}?after=999999999"))
    assert last.select_one(".outcome-pages a")["href"] == f"/customers/bulk/{job.id}"
    assert client.get(f"/customers/bulk/{job.id}?after=x").status_code == 400
