"""Property-based fuzzing of the list's query string: never a 500, never SQL text."""
from urllib.parse import urlencode

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from data.conditions import FIELDS, OPERATORS
from tests import factories
from tests.conftest import HTMX

LEAKS = ("Traceback", "SELECT ", "sqlite3", "psycopg", "OperationalError", "IntegrityError", "peewee")
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
tricky = st.sampled_from(["%", "_", "\\", "'", '"', "' OR 1=1 --", "\x00", "\x02", "\x03", "😀", "ß", "İ",
                          "1e400", "-0", "NaN", "99999999999999999999", " ", "reseller:", "all:x"])
values = st.one_of(texts, tricky, st.integers(-5, 10**6).map(str))
filter_names = st.builds(lambda n, f, op: f"flt{n}_{f}_{op}", st.integers(0, 12),
                         st.sampled_from(sorted(FIELDS) + ["bogus", ""]), st.sampled_from(sorted(OPERATORS) + ["x"]))
keys = st.one_of(st.sampled_from(["scope", "q", "sort", "page", "per_page", "owner", "advanced", "go", "add",
                                  "remove", "cf0", "co0", "cv0", "ck0", "cf1", "co1", "cv1", "from", "to", "back"]),
                 filter_names, texts)
query_strings = st.lists(st.tuples(keys, values), max_size=6)

RUNS = {"count": 0}


def _leaks(body, pairs):
    """The leak words in ``body`` that the request did not send itself: a page echoes the
    search or form it was given, and Hypothesis tries the test's own strings ("sqlite3")."""
    given = " ".join(f"{key} {value}" for key, value in pairs)
    return [leak for leak in LEAKS if leak in body and leak not in given]


PAGES = ("/customers", "/customers.csv", "/customers/owners", "/customers/{id}", "/customers/{id}/xdrs",
         "/customers/{id}/accounts", "/customers/{id}/delete")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=query_strings, fragment=st.booleans(), page=st.sampled_from(PAGES))
@example(pairs=[("flt0_address_begins_with", "sqlite3")], fragment=False, page="/customers")  # echoed, no leak
def test_any_query_string_is_answered_without_a_server_error(client, pairs, fragment, page):
    RUNS["count"] += 1
    customer = factories.customer(f"Fuzz {RUNS['count']}", email="fuzz@example.org")
    path = page.format(id=customer.id) + "?" + urlencode(pairs)
    response = client.get(path, headers=HTMX if fragment else {})
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 302, 400), (path, response.status_code, body[:300])
    assert not _leaks(body, pairs), (path, body[:300])


FORM_KEYS = st.sampled_from(["name", "currency", "customer_type", "reseller", "distributor", "customer_class",
                             "balance_control", "credit_limit", "balance", "available_funds", "country", "email",
                             "login", "city", "action", "until", "limit", "amount", "method", "outcome", "reason",
                             "description", "password", "version", "row", "back"])
FORMS = ("/customers/new", "/customers/{id}", "/customers/{id}/status", "/customers/{id}/payments",
         "/customers/{id}/charges", "/customers/{id}/password")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(FORM_KEYS, values), max_size=8), fragment=st.booleans(),
       form=st.sampled_from(FORMS))
def test_any_form_post_is_answered_without_a_server_error(client, pairs, fragment, form):
    from data.models import Customer
    from tests.conftest import csrf_headers

    RUNS["count"] += 1
    customer = factories.customer(f"Form Fuzz {RUNS['count']}")
    headers = csrf_headers(client)
    data = dict(pairs)
    data["csrf_token"] = headers["X-CSRFToken"]
    before = Customer.select().count()
    response = client.post(form.format(id=customer.id), data=data, headers=headers if fragment else {})
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 303, 400, 404, 409, 422), (form, data, response.status_code, body[:300])
    assert not _leaks(body, pairs), (form, body[:300])
    if response.status_code >= 400:
        assert Customer.select().count() == before  # nothing created on a refusal


cells = st.one_of(values, st.sampled_from(["USD", "EUR", "retail", "reseller", "prepaid", "postpaid", "true",
                                           "false", "12.50", "-0.00001", "US", "a@example.org", "", "Fuzz Owner"]))
columns = st.lists(st.sampled_from(["name", "currency", "customer_type", "reseller", "distributor", "customer_class",
                                    "balance", "available_funds", "credit_limit", "country", "email", "blocked",
                                    "status", "balance_control", "accounts", "colour"]),
                   min_size=1, max_size=8)


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=columns, rows=st.lists(st.lists(cells, max_size=9), max_size=6), raw_tail=st.text(max_size=40))
def test_any_csv_import_is_all_or_nothing_without_a_crash(runner, tmp_path, header, rows, raw_tail):
    import csv

    from data.models import Customer
    from data.records import Account

    RUNS["count"] += 1
    path = tmp_path / f"fuzz-{RUNS['count']}.csv"
    with open(path, "w", newline="", encoding="utf-8", errors="replace") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
        handle.write(raw_tail)
    before = (Customer.select().count(), Account.select().count())
    result = runner.invoke(args=["import-customers", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    if result.exit_code != 0:
        assert "nothing was imported" in result.output
        assert (Customer.select().count(), Account.select().count()) == before
    assert "Traceback" not in result.output
