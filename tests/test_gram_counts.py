"""The kept counts of customer_gram (migration 0017) equal a full recount after every
write path, and the searches they answer equal a scan (issue 10)."""
import re
import threading
from collections import Counter

import pytest

import data.seed
from data import gram_counts, gram_workers, importer, lifecycle, processes, search, search_pages
from data.changes import change_customer
from data.conditions import build
from data.db import db, is_postgres
from data.deletion import delete_customer
from data.fields import SIMPLE_SEARCH_FIELDS
from data.listing import Scope
from data.migrations import m0017_gram_counts, m0021_kept_blanks_and_suffixes, m0026_kept_trigram_counts
from data.models import Customer, CustomerSearch
from data.search import Search
from data.search_sql import Parts
from data.seed import seed
from data.text import fold
from tests import factories
from tests.conftest import _empty_tables, database_before


def recount():
    """What customer_gram must say: every gram of every search row, counted in Python."""
    counts = Counter()
    for row in CustomerSearch.select().dicts():
        for gram in gram_counts.row_keys(row):
            counts[(bool(row["direct"]), gram)] += 1
    return counts


def kept():
    counts = Counter()
    for direct, gram, n in db.execute_sql("SELECT direct, gram, n FROM customer_gram").fetchall():
        counts[(bool(direct), gram)] += n
    return +counts  # rows counted down to 0 are as good as none


def assert_exact():
    assert kept() == recount()


def test_the_migration_counts_the_fields_the_simple_search_reads():
    assert m0017_gram_counts.FIELDS == SIMPLE_SEARCH_FIELDS
    assert m0017_gram_counts.row_grams(["ab", "b", ""]) == gram_counts.row_grams(["ab", "b", ""]) == {
        "", "a", "b", "ab"}


def test_the_bulk_loads_counts_are_each_rows_keys_added_up():
    """KeyCounts takes the grams of a row's values joined into one string: the grams that
    span two values (empty ones too) must not be counted, nor be missing where a value
    holds them itself."""
    from data.fields import TEXT_FIELDS
    values = [
        {"name": "ab", "city": "c", "email": "bc"},  # "abc" spans name and city: no value holds it
        {"name": "abc", "company_name": "c", "zip": "x"},  # here it is one value's own
        {},  # every field empty: only '' and the blank keys
        {"name": fold("STRAẞE Müller"), "phone": "1\t2", "website": "x"},
        {"login": "z", "country": "de"},
    ]
    counts, expected = gram_counts.KeyCounts(), {True: Counter(), False: Counter()}
    for number, given in enumerate(values):
        row = {name: given.get(name, "") for name in TEXT_FIELDS}
        counts.add(number % 2 == 0, row)
        expected[number % 2 == 0].update(gram_counts.row_keys(row))
    assert counts.result() == expected
    assert counts.result()[True]["abc"] == 0 and counts.result()[False]["abc"] == 1

def test_saves_edits_owner_changes_and_deletes_keep_the_counts(database):
    reseller = factories.reseller("Jo Reseller")
    a = factories.customer("Müller & Söhne", city="Straße 5", email="jo@example.org", fax="99")
    b = factories.customer("100% _real_", company_name="O'Brien", website="x.io")
    assert_exact()
    a.name = "MÜLLER JOHNSON"
    a.city = ""
    a.save()
    assert_exact()
    b.reseller = reseller  # the customer_direct trigger flips direct
    b.save()
    assert_exact()
    b.reseller = None
    b.save()
    assert_exact()
    a.balance = 5  # no text change: nothing to recount
    a.save()
    assert_exact()
    delete_customer(a.id, None)  # the search row goes by the foreign key's cascade
    assert_exact()
    assert gram_counts.count("", True) == Customer.select().where(Customer.reseller.is_null()).count()
    assert gram_counts.count("", False) == Customer.select().count()


def test_changes_through_the_pipeline_and_termination_keep_the_counts(database):
    customer = factories.customer("Jolly Roger", email="roger@sea.org")

    def rename(c):
        c.name = "Joanna Roger"
        c.email = "j@land.org"

    change_customer(customer.id, None, "edit", "edit", rename)
    assert_exact()
    lifecycle.perform(customer.id, "permanently_terminate", None)
    assert Customer.get_by_id(customer.id).is_terminated
    assert_exact()
    assert gram_counts.count("jo", True) == 1


def test_a_large_seed_counts_its_grams_in_worker_processes(database, monkeypatch):
    """From COUNT_IN_WORKERS_FROM customers the seed's grams are counted in worker processes,
    a few rows at a time, several chunks in flight: the counts are a save's, and the seed
    itself (its rows) does not change."""
    seed(60, seed_value=5)
    alone = [(c.name, c.status) for c in Customer.select().order_by(Customer.id)]
    _empty_tables()
    started = []
    real = processes.pool
    monkeypatch.setattr(data.seed, "COUNT_IN_WORKERS_FROM", 0)
    monkeypatch.setattr(gram_workers, "CHUNK", 7)
    monkeypatch.setattr(processes, "pool", lambda *a: started.append(real(*a)) or started[-1])
    seed(60, seed_value=5)
    assert started and started[0] is not None
    assert [(c.name, c.status) for c in Customer.select().order_by(Customer.id)] == alone
    assert_exact()


def test_seed_and_import_keep_the_counts(runner, tmp_path, database):
    seed(60)
    assert_exact()
    path = tmp_path / "in.csv"
    # The owner comes later in the file: linked at the end, which flips direct.
    path.write_text("name,currency,reseller,city,email,customer_type\r\n"
                    "Sub Jo,EUR,Late Reseller,Åre,a@b.se,\r\n"
                    "Late Reseller,EUR,,Jönköping,,reseller\r\n"
                    "100%,EUR,,_x_,,\r\n", encoding="utf-8")
    assert importer.import_customers(str(path)) == 3
    assert not Customer.get(name="Sub Jo").is_direct
    assert_exact()
    failed = tmp_path / "bad.csv"
    failed.write_text("name,currency\r\nGood One,EUR\r\nBad,XXXX\r\n", encoding="utf-8")
    with pytest.raises(importer.ImportFailed):
        importer.import_customers(str(failed))
    assert_exact()
    customer = factories.customer("After The Import", city="Jo")  # the triggers are back
    assert_exact()
    delete_customer(customer.id, None)
    gram_counts.compact()
    assert_exact()


def test_emptying_the_tables_empties_the_counts(database):
    factories.customer("Someone")
    _empty_tables()  # TRUNCATE on PostgreSQL, DELETE on SQLite
    assert kept() == Counter()
    factories.customer("Someone Else")
    assert_exact()


def test_migration_fill_equals_the_triggers(database):
    for n in range(20):
        factories.customer(f"Fill {n} Jö", city=["Åre", "", "%_"][n % 3])
    db.execute_sql("DELETE FROM customer_gram")
    fill = m0017_gram_counts.STATEMENTS["postgresql" if is_postgres() else "sqlite"][-2 if is_postgres() else -1]
    fill() if callable(fill) else db.execute_sql(fill)
    m0021_kept_blanks_and_suffixes._fill_blanks()  # the empty fields' keys, since migration 0021
    m0026_kept_trigram_counts._fill()  # the 3-character grams, since migration 0026
    assert_exact()


def test_postgresql_folds_a_grams_rows_into_one(database):
    if not is_postgres():
        pytest.skip("PostgreSQL keeps signed rows; SQLite one row per gram")
    for n in range(gram_counts.FOLD_AFTER + 5):
        factories.customer(f"Zq customer {n}")
    rows = db.execute_sql("SELECT COUNT(*) FROM customer_gram WHERE gram = 'zq'").fetchone()[0]
    assert rows > gram_counts.FOLD_AFTER
    assert gram_counts.count("zq", False) == gram_counts.FOLD_AFTER + 5
    assert db.execute_sql("SELECT COUNT(*) FROM customer_gram WHERE gram = 'zq'").fetchone()[0] == 1
    assert gram_counts.count("zq", False) == gram_counts.FOLD_AFTER + 5
    assert_exact()


def test_maintenance_folds_every_piled_up_gram(database):
    """A web-created customer adds a row per gram it holds (PostgreSQL); maintenance folds them
    all, not only the grams some count happened to read, and leaves the counts exact."""
    from data import maintenance
    for n in range(5):
        factories.customer(f"Qx piled {n}")
    maintenance.run()
    rows = Counter((bool(direct), gram) for direct, gram in
                   db.execute_sql("SELECT direct, gram FROM customer_gram").fetchall())
    assert max(rows.values()) == 1
    assert_exact()
    assert gram_counts.compact() == 0  # nothing left to fold


def test_concurrent_writers_keep_the_counts(database, monkeypatch):
    """Two writers at once (PostgreSQL: neither waits for the other's counter rows;
    SQLite: one after the other) and a reader folding rows meanwhile. Every committed
    row is counted once."""
    monkeypatch.setattr(gram_counts, "FOLD_AFTER", 2)
    errors = []

    def writer(prefix):
        try:
            with db.connection_context():
                for n in range(15):
                    with db.atomic():
                        factories.customer(f"{prefix} {n} jo")
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    def reader():
        # Counting folds a gram's rows now and then (PostgreSQL), while the writers add more.
        try:
            with db.connection_context():
                while any(t.is_alive() for t in threads[:2]):
                    gram_counts.count("jo", True)
                    gram_counts.count("", False)
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(p,)) for p in ("Left", "Right")]
    threads.append(threading.Thread(target=reader))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert_exact()
    assert gram_counts.count("jo", True) == 30


SHORT = ["", "j", "jo", "%", "_", "ö", "ss", "'", " ", "\\", "xq",
         "joh", "JÖR", "sse", "0% ", "a_b", "'br", "k\\s", "xqz", "son"]


@pytest.mark.parametrize("scope", ["direct", "all"])
def test_short_searches_equal_a_scan(database, scope):
    reseller = factories.reseller("Reseller Jo")
    values = ["Johnson", "JÖRG", "Straße", "100% pure", "a_b", "O'Brien", "back\\slash", "", "xq", "Xq"]
    for n, value in enumerate(values * 3):
        factories.customer(f"C{n} {value}", city=values[(n + 3) % len(values)],
                           reseller=reseller if n % 4 == 0 else None)
    for q in SHORT:
        found = Search(Scope(scope), q)
        assert found.counted_gram() == fold(q)
        page = search_pages.find_page(found, per_page=500)
        expected = [c for c in Customer.select()
                    if (scope == "all" or c.reseller_id is None)
                    and any(fold(q) in fold(getattr(c, f)) for f in SIMPLE_SEARCH_FIELDS)]
        assert page.total == len(expected), q
        assert {c.id for c in page.rows} == {c.id for c in expected}, q


def test_only_unrestricted_scopes_are_counted(database):
    reseller = factories.reseller("Reseller Big")
    assert Search(Scope("reseller", reseller), "jo").counted_gram() is None
    assert Search(Scope("direct"), "john").counted_gram() is None  # 4+: the trigram indexes
    assert Search(Scope("direct"), "jo", (build("name", "contains", "x"),)).counted_gram() is None


@pytest.mark.parametrize("q", ["", "jo", "%", "Cus"])
def test_unsearched_and_short_counts_are_one_lookup(executed, q):
    factories.customer("Jo Customer")
    executed.clear()
    assert search.count(Search(Scope("direct"), q)) == (0 if q == "%" else 1)
    assert len(executed) == 1 and "customer_gram" in executed[0] and "customer_search" not in executed[0]


def test_a_page_of_no_matches_reads_nothing_more(client, executed):
    factories.customer("Plain")
    executed.clear()
    page = client.get("/customers?q=%25&go=1").get_data(as_text=True)
    assert "No customers match" in page
    assert not [sql for sql in executed if "customer_search" in sql or "customer_fts" in sql]


def test_the_migration_keeps_blanks_of_every_text_field():
    from data.fields import TEXT_FIELDS
    assert m0021_kept_blanks_and_suffixes.TEXT_FIELDS == TEXT_FIELDS
    assert m0021_kept_blanks_and_suffixes.SIMPLE_FIELDS == SIMPLE_SEARCH_FIELDS
    # A blank key is longer than any gram: the two never meet.
    assert all(len(gram_counts.blank(f)) > gram_counts.LONGEST for f in TEXT_FIELDS)


def test_the_migration_counts_up_to_the_grams_the_search_reads():
    assert m0026_kept_trigram_counts.LONGEST == gram_counts.LONGEST


@pytest.fixture
def before_trigram_counts(database, database_url, tmp_path, monkeypatch):
    """A database of its own migrated up to m0025 (grams of 1-2 characters kept)."""
    with database_before(26, database_url, tmp_path, monkeypatch) as migrations:
        yield migrations


def test_m0026_counts_the_customers_already_there_and_later_writes(before_trigram_counts):
    reseller = factories.reseller("Jo Reseller")
    kept_before = factories.customer("Müller Johnson", city="Straße", reseller=reseller)
    factories.customer("100% _real_ son", email="jo@example.org")
    assert not [gram for (_, gram) in kept() if len(gram) == 3]
    assert before_trigram_counts.migrate()[0] == "m0026_kept_trigram_counts"  # and any later ones
    assert_exact()
    assert gram_counts.count("son", False) == 2 and gram_counts.count("son", True) == 1
    kept_before.name = "Müller Smith"
    kept_before.reseller = None
    kept_before.save()
    factories.customer("Another Son")
    assert_exact()
    assert gram_counts.count("son", True) == 2


def test_sqlite_triggers_read_each_values_positions_as_a_range(database):
    """The gram triggers list a row's grams from its values, each reading only its own
    positions (a range of the key): with all 1,024 positions the outer loop, a row's keys
    took 8.5 ms at a million customers (16 ms an edit) instead of 0.2."""
    if is_postgres():
        pytest.skip("SQLite's trigger SQL")
    triggers = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                              "AND name LIKE 'customer_search_gram_%'").fetchall()
    assert len(triggers) == 3 and all("CROSS JOIN customer_gram_position" in sql for (sql,) in triggers)
    keys = m0021_kept_blanks_and_suffixes._sqlite_keys("new", gram_counts.LONGEST)
    values = {f"new.{f}": f"'{fold('Straße')}'" for f in m0021_kept_blanks_and_suffixes.TEXT_FIELDS}
    keys = re.sub(r"new\.\w+", lambda m: values[m.group(0)], keys)
    plan = [row[3] for row in db.execute_sql(f"EXPLAIN QUERY PLAN SELECT gram FROM ({keys})").fetchall()]
    assert not [step for step in plan if step.startswith("SCAN p")], plan
    assert [step for step in plan if step.startswith("SEARCH p USING INTEGER PRIMARY KEY")], plan
    found = {gram for (gram,) in db.execute_sql(f"SELECT gram FROM ({keys})").fetchall()}
    assert found == gram_counts.row_grams([fold("Straße")])


def _blank_world():
    reseller = factories.reseller("Blank Reseller", fax="1")
    values = ["", "x", "", "Straße", "", "%_"]
    for n in range(18):
        factories.customer(f"Blank {n}", fax=values[n % 6], company_name=values[(n + 1) % 6],
                           email="" if n % 5 == 0 else f"p{n}@Example.ORG", website="" if n % 2 else "x.io",
                           reseller=reseller if n % 4 == 0 else None)


@pytest.mark.parametrize("scope", ["direct", "all"])
def test_is_empty_and_is_not_empty_equal_a_scan(database, scope):
    """Counted from the kept blank keys (no scan), the page still read from the rows."""
    _blank_world()
    customer = Customer.get(name="Blank 3")
    customer.fax = ""
    customer.save()
    delete_customer(Customer.get(name="Blank 7").id, None)
    assert_exact()
    from data.fields import TEXT_FIELDS
    for field in TEXT_FIELDS:
        for op in ("is_empty", "is_not_empty"):
            found = Search(Scope(scope), "", (build(field, op, ""),))
            assert found.counted_blank() == (field, op)
            page = search_pages.find_page(found, per_page=500)
            expected = [c for c in Customer.select() if (scope == "all" or c.reseller_id is None)
                        and (getattr(c, field) == "") == (op == "is_empty")]
            assert page.total == len(expected), (field, op)
            assert {c.id for c in page.rows} == {c.id for c in expected}, (field, op)


@pytest.mark.parametrize("scope", ["direct", "all"])
def test_email_ends_with_equals_a_scan_after_writes(database, scope):
    """Ends with on e-mails reads the reversed copy, which every write keeps."""
    _blank_world()
    customer = Customer.get(name="Blank 2")
    customer.email = "Jörg.ẞ@Straße.DE"
    customer.save()
    factories.customer("Quote", email="o'brien@example.org")
    assert all(row.email_reversed == row.email[::-1] for row in CustomerSearch.select())
    for value in ["example.org", "ORG", "g", "e.de", "ße.de", "sse.de", "'brien@example.org", "%", "_", "@"]:
        found = Search(Scope(scope), "", (build("email", "ends_with", value),))
        assert not found.is_slow()
        page = search_pages.find_page(found, per_page=500)
        expected = [c for c in Customer.select() if (scope == "all" or c.reseller_id is None)
                    and fold(c.email).endswith(fold(value))]
        assert page.total == len(expected), value
        assert {c.id for c in page.rows} == {c.id for c in expected}, value


def test_migration_fills_the_reversed_addresses(database):
    _blank_world()
    db.execute_sql("UPDATE customer_search SET email_reversed = ''")
    m0021_kept_blanks_and_suffixes._fill_reversed()
    rows = list(CustomerSearch.select())
    assert rows and all(row.email_reversed == row.email[::-1] for row in rows)
    assert_exact()  # the fill changed no counts


def test_fewest_is_the_smallest_kept_count_of_the_grams_in_either_scope(database):
    """``fewest`` bounds how many customers hold every one of ``grams`` (data/page_walks.py
    keeps the matches of a term so bounded once for the count and the page)."""
    owner = factories.reseller("Owner Inc")
    factories.customer("Johnson One", email="j1@example.org")
    factories.customer("Johnson Two", email="j2@example.org", reseller=owner)
    factories.customer("Ann Ohnsorg", email="ann@example.org")
    assert gram_counts.trigrams("johnson") == ("joh", "ohn", "hns", "nso", "son")
    assert gram_counts.trigrams("aaaa") == ("aaa",) and gram_counts.trigrams("ab") == ()
    grams = gram_counts.trigrams("johnson")
    for direct in (True, False):
        assert gram_counts.fewest(grams, direct) == min(gram_counts.count(g, direct) for g in grams)
        holders = search.count(Search(Scope("direct" if direct else "all"), "johnson"))
        assert gram_counts.fewest(grams, direct) >= holders == (1 if direct else 2)
    assert gram_counts.fewest(("joh", "zzq"), False) == 0   # a gram nobody holds


def test_substrings_checked_as_like_patterns_note_the_grams_that_bound_them(database):
    """``Parts.bounds``: the trigrams of each positive substring checked as a LIKE pattern on
    simple-search fields (what data/search_pages.py bounds a page's matches by), folded as the
    kept counts are; none for a field nobody counts, a negative or too short a substring."""
    parts = Parts(rows=True)  # substrings checked on each row: LIKE patterns on both backends
    parts.text("name", "contains", "MÜLLER")
    parts.text("zip", "ends_with", "1234")
    parts.add_search(parts.simple("Émile"))
    assert parts.bounds == [("mül", "üll", "lle", "ler"), ("123", "234"), ("émi", "mil", "ile")]
    skipped = Parts(rows=True)
    skipped.text("address", "contains", "street")
    skipped.text("email", "ends_with", "mail.de")  # a range of the reversed e-mail's B-tree
    skipped.text("name", "not_contains", "johnson")
    skipped.text("name", "contains", "jo")
    skipped.add_search(skipped.simple("ab"))
    assert skipped.bounds == []
