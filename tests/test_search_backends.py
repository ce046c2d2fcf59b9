"""SQLite and PostgreSQL search behind one seam (issue 12): data/search_backends/."""
import ast
import inspect
from pathlib import Path

import pytest

from data import search_backends
from data.db import is_postgres
from data.search_backends import SearchBackend, backend, postgres, sqlite

ROOT = Path(__file__).resolve().parents[1]
INTERFACE = [name for name in vars(SearchBackend) if not name.startswith("_")]


def _names(path):
    """Every name and attribute the module mentions (calls, imports, references)."""
    tree = ast.parse((ROOT / path).read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[-1])
    return names


@pytest.mark.parametrize("path", ["data/search.py", "data/search_query.py", "data/search_pages.py",
                                  "data/page_walks.py", "data/search_sql.py", "data/search_nodes.py"])
def test_the_search_modules_name_no_backend(path):
    """Backend differences live in data/search_backends/ only: no branch on the database here."""
    names = _names(path)
    assert not names & {"is_postgres", "PostgresqlDatabase", "SqliteDatabase"}
    text = (ROOT / path).read_text()
    assert "customer_fts" not in text.replace("``customer_fts``", "")  # the FTS5 table: sqlite.py's
    assert "MATCH ?" not in text


def test_the_interface_is_small_and_documented():
    assert len(INTERFACE) <= 12
    for name in INTERFACE:
        member = getattr(SearchBackend, name)
        if callable(member):
            assert inspect.getdoc(member), name


@pytest.mark.parametrize("module", [sqlite, postgres])
def test_each_backend_implements_the_whole_interface(module):
    chosen = module.BACKEND
    assert isinstance(chosen, SearchBackend)
    for name in INTERFACE:
        own = vars(type(chosen))
        assert name in own, f"{module.__name__} does not decide {name}"
        if callable(getattr(SearchBackend, name)):
            assert inspect.signature(own[name]) == inspect.signature(getattr(SearchBackend, name)), name


def test_the_backend_is_the_bound_databases(database):
    assert backend() is (postgres.BACKEND if is_postgres() else sqlite.BACKEND)
    assert backend() is backend()


def test_the_backend_follows_a_database_bound_later(database, monkeypatch):
    """Picked when first asked (the proxy is bound at app start), again when the database changes."""
    monkeypatch.setattr(search_backends, "_picked", (object(), sqlite.BACKEND if is_postgres() else postgres.BACKEND))
    assert backend() is (postgres.BACKEND if is_postgres() else sqlite.BACKEND)


def test_sqlite_terms_are_fts5_phrases():
    term = sqlite.BACKEND.substring_term(("email",), "ends_with", 'a"b')
    assert term == 'email : "a""b\x03"'
    assert sqlite.BACKEND.substring_term(("name", "city"), "contains", "son") == '{name city} : "son"'


def test_postgresql_leaves_substrings_to_like_patterns():
    assert postgres.BACKEND.substring_term(("email",), "contains", "son") is None
    assert postgres.BACKEND.substring_term(("email",), "contains", "zq") is None


def test_sqlite_finds_a_rare_pair_as_the_trigrams_that_begin_with_it(database, monkeypatch):
    """Each value ends with \\x03 in the index, so every pair a value holds begins a trigram."""
    if is_postgres():
        pytest.skip("SQLite's text index")
    from tests import factories
    factories.customer("Zqa Zq", city="Azq\ud7ff\U0010ffff")
    term = sqlite.BACKEND.substring_term(("name", "city"), "contains", "zq")
    assert term == '{name city} : ("zq\x03" OR "zqa" OR "zq\ud7ff")'
    assert sqlite.BACKEND.substring_term(("city",), "contains", "q\ud7ff") == 'city : ("q\ud7ff\U0010ffff")'
    assert sqlite.BACKEND.substring_term(("city",), "contains", "\ud7ff\U0010ffff") is None
    assert sqlite.BACKEND.substring_term(("city",), "contains", "xy") == 'city : ("\x03\x03\x03")'  # none
    monkeypatch.setattr(sqlite, "RARE_PAIR_CUSTOMERS", 2)  # its trigrams are held 3 times
    assert sqlite.BACKEND.substring_term(("name",), "contains", "zq") is None


def test_sqlite_stops_a_query_past_its_budget(database):
    """The cheap try of a checked walk: rows when within the budget, None past it, and any
    other error still raised."""
    if is_postgres():
        assert backend().rows_within("SELECT 1", [], 10**9) is None  # no cheap try: the sure way
        return
    long = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT COUNT(*) FROM n"
    assert backend().rows_within(long, [10], 1000) == [(10,)]
    assert backend().rows_within(long, [10**7], 5) is None
    assert backend().rows_within(long, [10], 1000) == [(10,)]  # the handler is gone again
    with pytest.raises(Exception, match="no such table"):
        backend().rows_within("SELECT * FROM no_such_table", [], 1000)
