"""SQLite: substrings through the FTS5 trigram index, a planner steered by the count.

``customer_fts`` (migrations 0002 and 0005; made again by searchable.py for each
new searchable field, as in 0012) is a contentless FTS5 trigram index over the
folded text columns of customer_search, kept in step by triggers. Each value is
stored followed by \\x03, so Ends with is the phrase ``value\\x03``; its ``owner``
column holds \\x01r\\x01 for customers with a reseller, so "direct customers
containing x" is one MATCH, counted inside the index.
"""
import json
import sqlite3
import threading
from contextlib import contextmanager

from peewee import SQL, Entity, Node, NodeList, OperationalError, Value

from .. import gram_counts
from ..db import db
from ..fields import SIMPLE_SEARCH_FIELDS
from . import SearchBackend

END = "\x03"   # closes every value in the FTS index (char(3)), so Ends with is a phrase
# The owner column of the FTS index holds this for customers with a reseller (migration 0005).
NOT_DIRECT = 'NOT owner : "\x01r\x01"'


# A pair of characters is looked up in the text index (``_pair_term``) when the trigrams that
# begin with it are held by at most this many customers (summed over the trigrams and all
# columns): the index lists them in some 10 ms. A broader pair is tested on the rows (its
# count a scan of an index where it is not kept, its page met early by the walk).
RARE_PAIR_CUSTOMERS = 50_000
# The terms of customer_fts, a connection's own (fts5vocab reads the index; nothing is stored).
_VOCABULARY = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.customer_fts_terms USING fts5vocab(main, customer_fts, 'row')"
# A trigram no value holds: \x03 ends each value, once.
_NOTHING = END * 3

# The index of each amount, ending with the reseller (migrations 0002 and 0024).
AMOUNT_INDEXES = {"balance": "customer_balance", "available_funds": "customer_available_funds",
                  "credit_limit": "customer_credit_limit"}


def _columns(columns):
    """An FTS5 column filter: one column's name, or several in braces."""
    return columns[0] if len(columns) == 1 else "{" + " ".join(columns) + "}"


def _phrase(text):
    return '"' + text.replace('"', '""') + '"'


# The matches kept by ``keeping_matches``, per thread (a connection is a thread's): the
# MATCH expression they are of, or None, and (a few kept in Python) their ids.
_kept = threading.local()
KEPT = "kept_matches"


class _IndexedBy(Node):
    """``table INDEXED BY index`` in a FROM clause (the table keeps its alias)."""

    def __init__(self, table, index):
        super().__init__()
        self.table, self.index = table, index

    def __sql__(self, ctx):
        return ctx.sql(self.table).literal(" INDEXED BY ").sql(Entity(self.index))


def _match(terms, direct):
    """The one MATCH expression of every term, within the direct scope if ``direct``."""
    expression = " AND ".join(terms)
    return f"({expression}) {NOT_DIRECT}" if direct else expression


class SQLite(SearchBackend):
    # Its planner, without statistics on how many rows a MATCH or a LIKE keeps, would
    # otherwise walk the sort index for a rare match or sort a million for a broad one.
    steers_planner = True

    def listed_owner(self, column, owner_id):
        # The search indexes know nothing of how few customers an owner has: the owner's
        # index is walked (the hint keeps it) and each row checked.
        return None

    def summary_source(self, customer, amount=None):
        if amount is not None:
            # The amount's own index ends with the reseller (migration 0024): the count of the
            # direct customers is a range of it, index-only. The planner, knowing only the
            # average customers per reseller, walked the reseller index and read every row.
            return _IndexedBy(customer, AMOUNT_INDEXES[amount])
        # customer_summary (migration 0022): the planner always looks a row up by its
        # rowid, never through a narrower index that holds the id, so it is named.
        return _IndexedBy(customer, "customer_summary")

    def substring_term(self, columns, op, folded):
        if len(folded) == 2 and op == "contains":
            return self._pair_term(columns, folded)
        return f"{_columns(columns)} : {_phrase(folded + END if op == 'ends_with' else folded)}"

    def _pair_term(self, columns, folded):
        # Every value is followed by \x03 in the index, so a value holds the pair exactly where
        # a trigram of it begins with the pair: the pair is the OR of those trigrams, listed
        # from the index's terms (a range of them, under a millisecond). "zq" at a million
        # (1,964 customers): its page read every row for 12 LIKEs, 690 ms.
        if END in folded or folded[1] == chr(0x10FFFF):
            return None
        after = ord(folded[1]) + 1  # the terms after the pair's: UTF-8 sorts as code points do
        after = 0xE000 if 0xD800 <= after < 0xE000 else after  # no surrogate has a UTF-8 form
        if set(columns) <= set(SIMPLE_SEARCH_FIELDS) and gram_counts.count(folded, False) > RARE_PAIR_CUSTOMERS:
            return None  # a broad pair (kept count): listing its trigrams' holders would cost more
        db.execute_sql(_VOCABULARY, ())
        # Row by row: each row counts its term's holders, reading its whole list in the index.
        cursor = db.execute_sql("SELECT term, doc FROM temp.customer_fts_terms WHERE term >= ? AND term < ?",
                                [folded, folded[0] + chr(after)])
        found, held = [], 0
        for term, customers in cursor:
            held += customers
            if held > RARE_PAIR_CUSTOMERS:
                return None
            found.append((term, customers))
        return f"{_columns(columns)} : ({' OR '.join(_phrase(term) for term, _ in found) or _phrase(_NOTHING)})"

    def terms_condition(self, id_column, terms, direct):
        expression = _match(terms, direct)
        if getattr(_kept, "expression", None) == expression:
            if _kept.ids is not None:  # a few, listed in Python: one parameter, one statement text
                return NodeList((id_column, SQL("IN (SELECT value FROM json_each(?))", [json.dumps(_kept.ids)])))
            # A rowid table: the IN operator searches it, with no list of its own to build.
            return NodeList((id_column, SQL(f'IN (SELECT id FROM temp."{KEPT}")')))
        subquery = SQL("(SELECT rowid FROM customer_fts WHERE customer_fts MATCH ?)", [expression])
        return NodeList((id_column, SQL("IN"), subquery))

    def count_terms(self, terms, direct, limit=None):
        expression = _match(terms, direct)
        if getattr(_kept, "expression", None) == expression:
            if _kept.ids is not None:
                return len(_kept.ids) if limit is None else min(len(_kept.ids), limit)
            source, where, params = f'temp."{KEPT}"', "", []
        else:
            source, where, params = "customer_fts", " WHERE customer_fts MATCH ?", [expression]
        if limit is None:
            sql = f"SELECT COUNT(*) FROM {source}{where}"
        else:
            sql, params = f"SELECT COUNT(*) FROM (SELECT rowid FROM {source}{where} LIMIT ?)", [*params, limit]
        return db.execute_sql(sql, params).fetchone()[0]

    @contextmanager
    def keeping_matches(self, terms, direct, few=None):
        expression = _match(terms, direct)
        if few is not None:
            # A customer looked up by its e-mail or phone: the phrase of its two dozen trigrams
            # took 25 ms to count at a million (some of them in most addresses), and as much
            # again to list for the page. Up to ``few`` matches are listed once, here.
            ids = [i for (i,) in db.execute_sql("SELECT rowid FROM customer_fts WHERE customer_fts MATCH ? "
                                                "LIMIT ?", [expression, few + 1]).fetchall()]
            _kept.expression, _kept.ids = (expression, ids) if len(ids) <= few else (None, None)
            try:
                yield
            finally:
                _kept.expression = _kept.ids = None
            return
        # Page 200 of "son" at a million: the count listed its 135,000 matches in the text
        # index (14 ms), then the walk listed them again into a list of its own for its IN
        # (38 ms with the walk). Listed once into a temporary rowid table (30 ms), the count
        # reads that and the walk searches it (12 ms). A temporary table is the connection's
        # own: no lock on the database, nothing another request sees.
        _kept.ids = None
        db.execute_sql(f'DROP TABLE IF EXISTS temp."{KEPT}"', ())
        db.execute_sql(f'CREATE TEMP TABLE "{KEPT}" (id INTEGER PRIMARY KEY)', ())
        try:
            db.execute_sql(f'INSERT INTO temp."{KEPT}" SELECT rowid FROM customer_fts WHERE customer_fts MATCH ?',
                           [expression])
            _kept.expression = expression
            yield
        finally:
            _kept.expression = None
            db.execute_sql(f'DROP TABLE IF EXISTS temp."{KEPT}"', ())

    def only_filters_direct(self, column):
        return NodeList((SQL("+"), column), glue="") == Value(column.db_value(True), converter=False)

    def without_reseller(self, column):
        # SQLite's statistics give the average rows per reseller (2,850 at a million), not
        # how many have none (640,000): with the index on reseller_id chosen for IS NULL,
        # "status is blocked" counted through every direct customer (250 ms for 0 matches)
        # instead of reading the status index.
        return NodeList((SQL("+"), column), glue="").is_null()

    def sorts_deep_page(self, reach, total, rows, counted=False):
        # The walk, index-only against the FTS matches, stayed cheaper than sorting
        # them at every depth measured (1,000,000 customers).
        return False

    def rows_within(self, sql, params, budget):
        # SQLite calls the progress handler every 1000 virtual machine instructions; a
        # non-zero answer stops the statement (a read: no transaction is rolled back).
        spent = 0

        def tick():
            nonlocal spent
            spent += 1
            return spent > budget

        connection = db.connection()
        connection.set_progress_handler(tick, 1000)
        try:
            return db.execute_sql(sql, params).fetchall()
        except (sqlite3.OperationalError, OperationalError):
            if spent > budget:
                return None
            raise
        finally:
            connection.set_progress_handler(None, 0)


BACKEND = SQLite()
