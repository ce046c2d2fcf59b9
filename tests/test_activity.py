"""The activity log's data (issue 14): where each change came from, whose customer it was,
filters, keyset pages, reach, a deleted customer's history, and migration m0013."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from data import activity, billing, clock, deletion, editing, history, lifecycle, maintenance
from data.access import Viewer
from data.activity import BadFilter, Cursor, Filters
from data.db import db, is_postgres
from data.records import History
from data.search_backends import backend
from tests import factories
from tests.conftest import database_before, make_user

T0 = datetime(2026, 3, 1, 12, 0, 0)
ADMIN = Viewer("alice", "operator_admin", source="web")


@pytest.fixture
def frozen(database):
    def move(moment):
        clock.freeze(moment)
    yield move
    clock.freeze(None)


def staff(kind, owner):
    return Viewer(f"{kind}-staff", f"{kind}_staff", owner.id, owner.name, "web")


def entry(name="Anna", at=T0, actor="alice", action="edit", source="web", customer_id=1, reseller_id=None,
          distributor_id=None, field="city", old="", new=""):
    return History.create(customer_id=customer_id, customer_name=name, at=at, actor=actor, action=action,
                          source=source, reseller_id=reseller_id, distributor_id=distributor_id, field=field,
                          old_value=old, new_value=new)


def names(rows):
    return [r.customer_name for r in rows]


# --- where a change came from, and whose customer it was ---------------------------

def test_each_write_path_names_its_source(database, frozen):
    frozen(datetime(2026, 11, 25, 23, 50))
    r = factories.reseller("Res One")
    created = editing.create_customer({"name": "Web Made", "currency": "USD", "reseller": "Res One"}, ADMIN)
    lifecycle.perform(created.id, "block", "ops-script")        # a trusted caller by name: a command
    c = factories.customer("Spender", daily_spending_limit=Decimal("5"))
    billing.charge(c.id, "3", "Call", ADMIN)
    frozen(datetime(2026, 11, 26, 0, 0))
    assert maintenance.run().counts["renew_spending"] == 1
    by = {(h.customer_name, h.action): h for h in History.select()}
    assert by[("Web Made", "create")].source == "web"
    assert by[("Web Made", "create")].reseller_id == r.id
    assert by[("Web Made", "block")].source == "command" and by[("Web Made", "block")].actor == "ops-script"
    assert by[("Spender", "charge")].source == "web"
    assert by[("Spender", "renew_spending")].source == "maintenance"
    assert by[("Spender", "renew_spending")].actor == "maintenance"
    assert set(history.SOURCES) == {"web", "command", "maintenance", "import", "bulk_job"}
    # A job system passes its own source (issue 14 names it; the jobs come later).
    job = Viewer("nightly job", "operator_admin", source="bulk_job")
    lifecycle.perform(c.id, "block", job)
    assert History.get((History.customer_id == c.id) & (History.action == "block")).source == "bulk_job"


def test_imports_name_their_source_and_owners_even_those_later_in_the_file(runner, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("name,currency,customer_type,reseller,distributor\r\n"
                    "Early Sub,EUR,retail,Later Res,\r\n"
                    "Later Res,EUR,reseller,,\r\n"
                    "Dist Sub,EUR,retail,,Old Dist\r\n")
    d = factories.distributor("Old Dist")
    assert runner.invoke(args=["import-customers", str(path)]).exit_code == 0
    rows = {h.customer_name: h for h in History.select().where(History.action == "import")}
    assert {h.source for h in rows.values()} == {"import"}
    later = rows["Later Res"].customer_id
    assert (rows["Early Sub"].reseller_id, rows["Early Sub"].distributor_id) == (later, None)
    assert (rows["Dist Sub"].reseller_id, rows["Dist Sub"].distributor_id) == (None, d.id)
    reseller_staff = Viewer("rs", "reseller_staff", later, "Later Res")
    assert names(activity.page(reseller_staff, Filters()).rows) == ["Early Sub"]


def test_a_deleted_customers_history_stays_with_its_name_and_the_delete(database):
    r = factories.reseller("Res")
    c = editing.create_customer({"name": "Short Lived", "currency": "USD", "reseller": "Res"}, ADMIN)
    editing.update_customer(c.id, {**editing.stored_form(c), "city": "Paris"}, ADMIN, c.version)
    deletion.delete_customer(c.id, ADMIN)
    rows = activity.page(ADMIN, Filters(customer=str(c.id))).rows
    assert list(dict.fromkeys(h.action for h in rows)) == ["delete", "edit", "create"]
    assert {h.customer_name for h in rows} == {"Short Lived"}
    assert ("city", "", "Paris") in [(h.field, h.old_value, h.new_value) for h in rows]
    assert all(h.reseller_id == r.id for h in rows)  # still the reseller's to see
    assert names(activity.page(staff("reseller", r), Filters()).rows) == ["Short Lived"] * len(rows)
    assert history.entries(c.id)[0].action == "delete"  # the customer's own history too


# --- reach -----------------------------------------------------------------------

def test_staff_see_only_their_own_customers_entries(database):
    r1, r2, d1 = factories.reseller("R1"), factories.reseller("R2"), factories.distributor("D1")
    entry("Of R1", reseller_id=r1.id)
    entry("Of R2", reseller_id=r2.id, at=T0 + timedelta(seconds=1))
    entry("Of D1", distributor_id=d1.id, at=T0 + timedelta(seconds=2))
    entry("Both", reseller_id=r1.id, distributor_id=d1.id, at=T0 + timedelta(seconds=3))
    entry("Direct", at=T0 + timedelta(seconds=4))
    assert names(activity.page(staff("reseller", r1), Filters()).rows) == ["Both", "Of R1"]
    assert names(activity.page(staff("distributor", d1), Filters()).rows) == ["Both", "Of D1"]
    for role in ("operator_admin", "operator_viewer", "billing_clerk"):
        assert len(activity.page(Viewer("x", role), Filters()).rows) == 5
    # The rule is the one customers use: the same condition on the customer table.
    sub = factories.customer("Sub", reseller=r1)
    from data.models import Customer
    assert [c.name for c in Customer.select().where(staff("reseller", r1).reach(Customer))] == [sub.name]
    assert ADMIN.reach(History) is None


def test_the_user_filter_offers_staff_their_colleagues_and_operators_every_actor(database):
    r1, r2 = factories.reseller("R1"), factories.reseller("R2")
    make_user("colleague", "reseller_staff", r1)
    make_user("stranger", "reseller_staff", r2)
    make_user("boss", "operator_admin")
    entry(actor="maintenance")
    entry(actor="boss")
    entry(actor="import-customers (root)")
    assert activity.users(staff("reseller", r1)) == ["colleague"]
    assert activity.users(ADMIN) == ["boss", "import-customers (root)", "maintenance"]


def test_a_users_bulk_jobs_are_filed_under_the_user(database):
    from data.bulk_records import BulkJob
    jobs = [BulkJob.create(user_name="boss", role="operator_admin", action="block") for _ in range(3)]
    other = BulkJob.create(user_name="bossy", role="operator_admin", action="block")
    entry(actor="boss", name="By hand")
    for job in jobs + [other]:
        entry(actor=job.actor, name=f"Job {job.id}", source="bulk_job")
    from data.import_records import CustomerImport
    upload = CustomerImport.create(user_name="boss", role="operator_admin", file_name="a.csv")
    entry(actor=upload.actor, name="Imported", source="import")
    entry(actor="boss (bulk job #x)", name="Lookalike")   # not a job's name: a person's own
    # One entry per person, not one per job.
    assert activity.users(ADMIN) == ["boss", "boss (bulk job #x)", "bossy"]
    found = names(activity.page(ADMIN, Filters(user="boss")).rows)
    assert sorted(found) == sorted(["By hand", "Imported"] + [f"Job {job.id}" for job in jobs])
    assert names(activity.page(ADMIN, Filters(user=upload.actor)).rows) == ["Imported"]
    assert names(activity.page(ADMIN, Filters(user="bossy")).rows) == [f"Job {other.id}"]


def test_actions_are_those_the_log_holds(database):
    for action in ("edit", "block", "edit", "payment", "delete"):
        entry(action=action)
    assert activity.actions() == ["block", "delete", "edit", "payment"]


# --- filters ---------------------------------------------------------------------

def test_filters(database):
    entry("Anna Smith", actor="alice", action="edit", source="web", customer_id=7, at=datetime(2026, 3, 1, 0, 0))
    entry("Bob 100% Ltd", actor="bob", action="block", source="command", customer_id=8,
          at=datetime(2026, 3, 2, 23, 59, 59, 999999))
    entry("anna_b", actor="maintenance", action="suspend_overdue", source="maintenance", customer_id=9,
          at=datetime(2026, 3, 3, 0, 0))

    def shown(**given):
        return names(activity.page(ADMIN, Filters(**given)).rows)

    assert shown() == ["anna_b", "Bob 100% Ltd", "Anna Smith"]
    assert shown(user="bob") == ["Bob 100% Ltd"]
    assert shown(action="suspend_overdue") == ["anna_b"]
    assert shown(source="command") == ["Bob 100% Ltd"]
    assert shown(customer="7") == ["Anna Smith"]
    assert shown(customer="ANNA") == ["anna_b", "Anna Smith"]   # a part of the name, any case
    assert shown(customer="100%") == ["Bob 100% Ltd"]           # wildcards are literal
    assert shown(customer="a_b") == ["anna_b"]
    assert shown(start=date(2026, 3, 2), end=date(2026, 3, 2)) == ["Bob 100% Ltd"]   # both ends inclusive
    assert shown(start=date(2026, 3, 2)) == ["anna_b", "Bob 100% Ltd"]
    assert shown(end=date(2026, 3, 1)) == ["Anna Smith"]
    assert shown(user="alice", source="command") == []
    with pytest.raises(BadFilter) as bad:
        Filters(start=date(2026, 3, 2), end=date(2026, 3, 1))
    assert bad.value.param == "from"


@pytest.mark.parametrize("stopped", [True, False])
def test_a_name_part_ignores_the_case_of_every_letter_not_only_ascii(database, monkeypatch, stopped):
    """SQLite's LIKE ignored the case of ASCII letters only: "müller" missed "MÜLLER GMBH"
    (PostgreSQL's ILIKE did not). Walked or sorted (a stopped walk), the same entries."""
    for n, name in enumerate(["MÜLLER GMBH", "Müller & Co", "Mueller", "ΣΩΚΡΆΤΗΣ", "Zoë [x] *", "zoe"]):
        entry(name, at=T0 + timedelta(seconds=n), customer_id=n)
    if stopped:
        monkeypatch.setattr(type(backend()), "rows_within", lambda self, sql, params, budget: None)

    def shown(text):
        return names(activity.page(ADMIN, Filters(customer=text)).rows)

    assert shown("müller") == shown("MÜLLER") == ["Müller & Co", "MÜLLER GMBH"]
    assert shown("σωκράτ") == ["ΣΩΚΡΆΤΗΣ"]
    assert shown("ZOË") == ["Zoë [x] *"]
    # GLOB's own characters are literal (SQLite matches a non-ASCII part with GLOB).
    assert shown("ZOË [X] *") == shown("ë [x] *") == ["Zoë [x] *"]
    assert shown("zoë?") == shown("[zoë]") == shown("ë*x") == []
    assert shown("[x] *") == ["Zoë [x] *"] and shown("z?e") == []


def test_case_classes_escape_globs_characters():
    assert activity.case_classes("Ab*?[]") == "[Aa][Bb][*][?][[]]"
    assert activity.case_classes("ß1") == "ß1"   # "SS" is two characters: not a form of one


@pytest.mark.parametrize("text", ["2026-02-30", "yesterday", "2026/03/01", "1" * 40])
def test_bad_dates_are_named(text):
    with pytest.raises(BadFilter) as bad:
        activity.parse_date("to", text)
    assert bad.value.param == "to" and "is not a date (YYYY-MM-DD)" in bad.value.message


# --- keyset pages ----------------------------------------------------------------

def test_keyset_pages_walk_every_entry_both_ways(database):
    # Ties on the time are broken by id; entries at whole seconds and with microseconds mix.
    for n in range(23):
        entry(f"c{n:02d}", at=T0 + timedelta(seconds=n // 3, microseconds=0 if n % 2 else 500))
    everything = names(activity.query(ADMIN, Filters()))
    seen, page = [], activity.page(ADMIN, Filters(), size=5)
    assert page.newer is None
    pages = [page]
    while True:
        seen += names(page.rows)
        if page.older is None:
            break
        page = activity.page(ADMIN, Filters(), before=page.older, size=5)
        pages.append(page)
    assert seen == everything and len(pages) == 5 and len(pages[-1].rows) == 3
    back = activity.page(ADMIN, Filters(), after=pages[-1].newer, size=5)
    assert names(back.rows) == names(pages[-2].rows)
    first = activity.page(ADMIN, Filters(), after=pages[1].newer, size=5)
    assert names(first.rows) == names(pages[0].rows) and first.newer is None and first.older is not None


def test_cursors_round_trip_and_damaged_ones_are_refused():
    cursor = Cursor(datetime(2026, 3, 1, 12, 0, 0, 5), 42)
    assert Cursor.parse(cursor.text()) == cursor
    assert Cursor.parse(Cursor(datetime(2026, 3, 1), 1).text()) == Cursor(datetime(2026, 3, 1), 1)
    for text in ("", "x", "20260301T120000.000005", "20260301T120000.000005-x", "2026-03-01-4"):
        with pytest.raises(BadFilter):
            Cursor.parse(text)


def test_batches_give_every_entry_once(database):
    for n in range(7):
        entry(f"c{n}", at=T0 + timedelta(seconds=n // 2))
    got = [names(rows) for rows in activity.batches(ADMIN, Filters(), size=3)]
    assert [len(rows) for rows in got] == [3, 3, 1]
    assert sum(got, []) == names(activity.query(ADMIN, Filters()))


@pytest.mark.parametrize("stopped", [True, False])
def test_a_name_part_reads_the_same_entries_walked_or_sorted(database, monkeypatch, stopped):
    # A stopped walk (over budget, as a rare name part's is at a million entries): SQLite sorts
    # the matches instead; PostgreSQL's planner always chooses by itself. Same pages either way.
    for n in range(30):
        entry(("Smith & Co", "Jones", "SMITHSON")[n % 3], at=T0 + timedelta(seconds=n // 4), customer_id=n,
              action=("edit", "block")[n % 2])
    walked = {f: names(activity.query(ADMIN, f)) for f in (Filters(customer="smith"),
                                                           Filters(customer="smith", action="block"))}
    if stopped:
        monkeypatch.setattr(type(backend()), "rows_within", lambda self, sql, params, budget: None)
    sorted_reads = []
    real_query = activity.query
    monkeypatch.setattr(activity, "query", lambda *a, **k: sorted_reads.append(k.get("walk", True)) or
                        real_query(*a, **k))
    for filters, everything in walked.items():
        seen, page = [], activity.page(ADMIN, filters, size=4)
        while True:
            seen += names(page.rows)
            if page.older is None:
                break
            older = page
            page = activity.page(ADMIN, filters, before=page.older, size=4)
        assert seen == everything and len(everything) in (20, 10)
        back = activity.page(ADMIN, filters, after=page.newer, size=4)
        assert names(back.rows) == names(older.rows)
        assert sum((names(rows) for rows in activity.batches(ADMIN, filters, size=3)), []) == everything
    assert (False in sorted_reads) == (stopped and not is_postgres())


# --- migration m0013 ---------------------------------------------------------------

@pytest.fixture
def before_activity_log(database, database_url, tmp_path, monkeypatch):
    """A database of its own migrated up to m0012; the test's database is bound again afterwards."""
    with database_before(13, database_url, tmp_path, monkeypatch) as migrations:
        yield migrations


def test_m0013_classes_old_rows_and_copies_the_owners(before_activity_log):
    def insert(sql, values):
        marks = ", ".join(db.param for _ in values)
        db.execute_sql(sql.format(marks=marks), values)

    insert("INSERT INTO customer (id, name, currency, created_at, customer_type) VALUES ({marks})",
           [1, "Res", "USD", "2026-01-01 00:00:00", "reseller"])
    insert("INSERT INTO customer (id, name, currency, created_at, reseller_id) VALUES ({marks})",
           [2, "Sub", "USD", "2026-01-01 00:00:00", 1])
    old = "INSERT INTO history (customer_id, customer_name, at, actor, action) VALUES ({marks})"
    insert(old, [2, "Sub", "2026-01-02 00:00:00", "import-customers (root)", "import"])
    insert(old, [2, "Sub", "2026-01-03 00:00:00", "maintenance", "suspend_overdue"])
    insert(old, [2, "Sub", "2026-01-04 00:00:00", "alice", "edit"])
    insert(old, [99, "Gone", "2026-01-05 00:00:00", "alice", "delete"])
    assert "m0013_activity_log" in before_activity_log.migrate()
    rows = db.execute_sql("SELECT customer_name, action, source, reseller_id, distributor_id FROM history "
                          "ORDER BY at").fetchall()
    assert [tuple(r) for r in rows] == [("Sub", "import", "import", 1, None),
                                       ("Sub", "suspend_overdue", "maintenance", 1, None),
                                       ("Sub", "edit", "web", 1, None), ("Gone", "delete", "web", None, None)]
