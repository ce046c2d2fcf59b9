"""Exact customer counts per short substring, without a scan (migration 0017).

``customer_gram`` holds, per ``direct`` (no reseller) and per gram of 0-3
characters (migrations 0017, 0026), how many customers have that gram in one of
the simple search's folded fields (every customer has ``''``: the list's unsearched count), and
under ``blank(field)`` how many have that text field empty (migration 0021). Triggers
on customer_search keep it in the writer's transaction on every write path;
here are the reads, the bulk loads' shortcut (``BulkGrams``) and PostgreSQL's
folding of its signed rows (``compact``).
"""
from collections import Counter
from itertools import compress
from operator import itemgetter, not_

from .db import db, is_postgres
from .fields import SIMPLE_SEARCH_FIELDS, TEXT_FIELDS

LONGEST = 3  # grams up to this many characters are counted (migration 0026: 3)
# PostgreSQL: a gram's rows are folded into one when a count finds more than this.
FOLD_AFTER = 32
_TRIGGERS = ("customer_search_gram_insert", "customer_search_gram_delete", "customer_search_gram_update")


def counted(folded):
    """True when customers holding the folded text ``folded`` are counted here."""
    return len(folded) <= LONGEST


def row_grams(values):
    """The distinct grams of one customer's folded simple-search ``values``, '' included:
    exactly what the triggers count."""
    grams = {""}
    for value in values:
        if value:
            grams.update(value)
            pairs = list(map(str.__add__, value, value[1:]))  # each pair of neighbours
            grams.update(pairs)
            grams.update(map(str.__add__, pairs, value[2:]))  # and each three
    return grams


def blank(field):
    """The key under which customers whose folded ``field`` is empty are counted (migration
    0021): longer than any gram, so the two never meet."""
    return "blank:" + field


def row_keys(row):
    """Every key one customer's search row (a dict of its folded columns) is counted under:
    its grams (``row_grams``) and a ``blank`` key per empty text field."""
    keys = row_grams(row[name] for name in SIMPLE_SEARCH_FIELDS)
    keys.update(blank(name) for name in TEXT_FIELDS if not row[name])
    return keys


# text.clean strips control characters from every stored value: none holds this one.
_SEPARATOR = "\x00"
text_values = itemgetter(*TEXT_FIELDS)  # a search row's text columns, in the order add_texts takes
_simple_values = itemgetter(*(TEXT_FIELDS.index(name) for name in SIMPLE_SEARCH_FIELDS))
_BLANKS = tuple(blank(name) for name in TEXT_FIELDS)


class KeyCounts:
    """``{direct: Counter}`` of the keys (``row_keys``) of many search rows, for the bulk loads.

    ``row_keys`` of a row and ``Counter.update`` with them cost some 66 us a row (a third
    of an import's checking at a million lines). Here a row's simple-search values are
    joined by a character no value holds, and the grams of that one string are taken in
    three C-level steps instead of three per value: 53 us. The grams that span two values
    hold the separator; ``result`` drops them, once per batch of rows.
    """

    def __init__(self):
        self.counts = {True: Counter(), False: Counter()}

    def add(self, direct, row):
        """Count the keys of ``row`` (a dict of a search row's folded columns) under ``direct``."""
        self.add_texts(direct, text_values(row))

    def add_texts(self, direct, texts):
        """Count the keys of a search row given as its ``text_values`` under ``direct``."""
        joined = _SEPARATOR.join(_simple_values(texts))
        keys = set(joined)
        pairs = list(map(str.__add__, joined, joined[1:]))
        keys.update(pairs)
        keys.update(map(str.__add__, pairs, joined[2:]))
        keys.update(compress(_BLANKS, map(not_, texts)))
        keys.add("")
        self.counts[direct].update(keys)

    def result(self):
        """The counts so far, as ``row_keys`` would have made them (the separator's grams gone)."""
        for counter in self.counts.values():
            for key in [key for key in counter if _SEPARATOR in key]:
                del counter[key]
        return self.counts


def count(gram, direct):
    """How many customers (direct ones only if ``direct``) hold ``gram`` (``counted``)
    in a simple-search field; ``''``: every customer."""
    scope = "direct" if direct else "1 = 1"
    if not is_postgres():
        return db.execute_sql(f"SELECT COALESCE(SUM(n), 0) FROM customer_gram WHERE gram = ? AND {scope}",
                              [gram]).fetchone()[0]
    total, rows = db.execute_sql(f"SELECT COALESCE(SUM(n), 0), COUNT(*) FROM customer_gram "
                                 f"WHERE gram = %s AND {scope}", [gram]).fetchone()
    if rows > FOLD_AFTER:
        compact(gram)
    return int(total)


def trigrams(folded):
    """The distinct three-character grams of the folded text ``folded``, in their order (none if shorter)."""
    return tuple(dict.fromkeys(folded[i:i + 3] for i in range(len(folded) - 2)))


def fewest(grams, direct):
    """The fewest customers (direct ones only if ``direct``) holding one of the ``grams``:
    at least as many as hold them all, in one statement."""
    scope = "direct" if direct else "1 = 1"
    marks = ", ".join([db.param] * len(grams))
    found = dict(db.execute_sql(f"SELECT gram, SUM(n) FROM customer_gram WHERE gram IN ({marks}) AND {scope} "
                                f"GROUP BY gram", list(grams)).fetchall())
    return min(int(found.get(gram) or 0) for gram in grams)


def compact(gram=None):
    """PostgreSQL: fold the signed rows of ``gram`` (None: of every gram that has more than
    one row per ``direct``) into one per ``direct``; returns how many rows went. Rows other
    transactions add meanwhile are not in this one's snapshot and stay as they are; an
    advisory lock keeps two folds of one gram apart.

    Folding every gram is maintenance's work (data/maintenance.py): a web-created customer
    adds some 200 rows, one per gram it holds, and a gram no search reads would otherwise
    keep its rows until the first count of it folds them all in that request."""
    if not is_postgres():
        return 0
    if gram is not None:
        where, params = "WHERE gram = %s", [gram]
    else:
        # Only the piled-up grams: rewriting the tens of thousands already folded would be
        # most of the work and leave as many dead rows.
        where, params = ("WHERE (direct, gram) IN (SELECT direct, gram FROM customer_gram "
                         "GROUP BY direct, gram HAVING COUNT(*) > 1)"), []
    with db.atomic():
        key = gram if gram is not None else "every gram"  # longer than any gram
        if not db.execute_sql("SELECT pg_try_advisory_xact_lock(727117, hashtext(%s))", [key]).fetchone()[0]:
            return 0  # another session is folding it
        return db.execute_sql(f"""WITH gone AS (DELETE FROM customer_gram {where} RETURNING direct, gram, n),
            folded AS (INSERT INTO customer_gram (direct, gram, n)
                SELECT direct, gram, SUM(n) FROM gone GROUP BY direct, gram HAVING SUM(n) <> 0)
            SELECT COUNT(*) FROM gone""", params).fetchone()[0]


class BulkGrams:
    """A bulk load's gram counts, added up from its rows' ``row_keys`` (counted in worker
    processes: ``import_rows``, ``gram_workers``) and written once: the triggers' work per
    row (SQLite: some 200 upserts; PostgreSQL: its set-based grams, about 1 ms a row)
    would cost more than the load itself.

    SQLite: the triggers are dropped meanwhile and made again from their own SQL.
    PostgreSQL: they skip this transaction only (``SET LOCAL customer_gram.deferred``),
    so other sessions' writes are still counted, and nothing is locked. Used inside
    the load's transaction; ``finish`` before any later update of the loaded rows
    (owners linked at the end of an import flip ``direct``: the triggers count that).
    """

    def __init__(self):
        self.counts = {True: Counter(), False: Counter()}  # per direct: Counter.update counts in C
        self.triggers = []
        if is_postgres():
            db.execute_sql("SET LOCAL customer_gram.deferred = 'on'")
            return
        marks = ", ".join("?" for _ in _TRIGGERS)
        self.triggers = [sql for (sql,) in db.execute_sql(
            f"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks}) ORDER BY name",
            list(_TRIGGERS)).fetchall()]
        for name in _TRIGGERS:
            db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"')

    def add_counts(self, direct, counts):
        """Add the counts of some loaded rows (``row_keys`` of each, added up: a worker's answer)."""
        self.counts[bool(direct)].update(counts)

    def finish(self):
        """Write the counts and let the triggers count again."""
        # A gram only customers written before their reseller hold was moved to direct: 0 left.
        rows = [(direct, gram, n) for direct, grams in self.counts.items() for gram, n in grams.items() if n]
        self.counts = {True: Counter(), False: Counter()}
        if is_postgres():
            # Signed rows like the triggers' own (never an update of a shared row).
            db.cursor().executemany("INSERT INTO customer_gram (direct, gram, n) VALUES (%s, %s, %s)", rows)
            db.execute_sql("SET LOCAL customer_gram.deferred = 'off'")
            return
        db.cursor().executemany(
            "INSERT INTO customer_gram (direct, gram, n) VALUES (?, ?, ?) "
            "ON CONFLICT (direct, gram) DO UPDATE SET n = n + excluded.n",
            [(int(direct), gram, n) for direct, gram, n in rows])
        for sql in self.triggers:
            db.execute_sql(sql)
        self.triggers = []
