"""Kept counts of empty fields, and e-mail suffixes through a B-tree (issue 10).

* "Fax is empty" matched 800,000 of a million customers, and counting them read
  800,000 index entries (36-51 ms). ``customer_gram`` now also counts, per
  ``direct``, the customers whose folded field is empty, under the key
  ``blank:<field>`` for every text field: longer than any gram (at most 2
  characters), so no gram and no blank key can meet. Is empty / Is not empty on
  their own are then a lookup, as the unsearched list already is. The gram
  triggers of migration 0017 are made again with these keys (and the SQLite
  update trigger also watches the fields that are not in the simple search).
* "E-mail ends with yahoo.com" went through the trigram index: eight trigrams,
  ``.co``, ``com`` and ``om``+end in nearly every address, their positions read
  for each (105 ms). ``customer_search.email_reversed`` holds the folded address
  reversed (code point by code point, as Python's ``[::-1]``) with a B-tree, so
  Ends with is the range of a prefix there. Written by ``CustomerSearch.row_for``
  like the other folded copies; filled here for the customers already there.
"""
from ..db import db, is_postgres

# The text fields at this migration (data/fields.py TEXT_FIELDS), frozen.
TEXT_FIELDS = ("name", "company_name", "first_name", "last_name", "address", "city", "state", "zip",
               "country", "phone", "fax", "email", "login", "website")
# The simple search's fields (migration 0017's FIELDS), frozen.
SIMPLE_FIELDS = ("name", "company_name", "first_name", "last_name", "city", "state", "zip", "country", "phone",
                 "email", "login", "website")
BLANK = "blank:"
POSITIONS = 1024  # as migration 0017


def _sqlite_keys(prefix, longest):
    """The distinct keys of one row ``prefix`` (new/old): '' , its grams of up to ``longest``
    characters, its blank fields."""
    values = ", ".join(f"{prefix}.{f}" for f in SIMPLE_FIELDS)
    # CROSS JOIN keeps the row's values the outer loop, each reading its positions as a range
    # of the key. A plain JOIN let SQLite scan all 1,024 positions and parse the JSON array
    # again for each: 8.5 ms a row (an edit counted two rows: 16 ms), against 0.2.
    source = (f"json_each(json_array({values})) AS f CROSS JOIN customer_gram_position AS p "
              f"ON p.p <= length(f.value)")
    blanks = " UNION ALL ".join(f"SELECT '{BLANK}{f}' WHERE {prefix}.{f} = ''" for f in TEXT_FIELDS)
    grams = "".join(f"UNION SELECT substr(f.value, p.p, {width}) FROM {source} "
                    + (f"WHERE p.p + {width - 1} <= length(f.value) " if width > 1 else "")
                    for width in range(1, longest + 1))
    return f"SELECT '' AS gram {grams}UNION {blanks}"


def _sqlite_add(prefix, sign, longest):
    # WHERE true: SQLite's parser needs it before ON CONFLICT after a SELECT with a join.
    return (f"INSERT INTO customer_gram (direct, gram, n) SELECT {prefix}.direct, gram, {sign} "
            f"FROM ({_sqlite_keys(prefix, longest)}) WHERE true "
            f"ON CONFLICT (direct, gram) DO UPDATE SET n = n + excluded.n;")


_CHANGED = " OR ".join(["old.direct IS NOT new.direct"] + [f"old.{f} IS NOT new.{f}" for f in TEXT_FIELDS])

def sqlite_triggers(longest):
    """The gram triggers counting grams of up to ``longest`` characters (migration 0026: 3)."""
    return [
        f"""CREATE TRIGGER customer_search_gram_insert AFTER INSERT ON customer_search BEGIN
            {_sqlite_add('new', 1, longest)}
        END""",
        f"""CREATE TRIGGER customer_search_gram_delete AFTER DELETE ON customer_search BEGIN
            {_sqlite_add('old', -1, longest)}
        END""",
        f"""CREATE TRIGGER customer_search_gram_update AFTER UPDATE ON customer_search WHEN {_CHANGED} BEGIN
            {_sqlite_add('old', -1, longest)}
            {_sqlite_add('new', 1, longest)}
        END""",
    ]


def _pg_keys(source, sign, longest):
    values = ", ".join(f"r.{f}" for f in SIMPLE_FIELDS)
    blanks = ", ".join(f"('{BLANK}{f}', r.{f})" for f in TEXT_FIELDS)
    widths = ", ".join(f"({width})" for width in range(1, longest + 1))
    return f"""SELECT r.direct, g.gram, {sign} AS n FROM {source} AS r CROSS JOIN LATERAL (
            SELECT '' AS gram
            UNION SELECT substr(f.v, i, w) FROM unnest(ARRAY[{values}]) AS f(v),
                generate_series(1, length(f.v)) AS i, (VALUES {widths}) AS w(w)
            WHERE i + w - 1 <= length(f.v)
            UNION SELECT b.k FROM (VALUES {blanks}) AS b(k, v) WHERE b.v = '') AS g"""


def pg_functions(longest):
    """The gram trigger functions counting grams of up to ``longest`` characters."""
    return [
        _pg_function("customer_gram_added", _pg_keys("added", 1, longest)),
        _pg_function("customer_gram_removed", _pg_keys("removed", -1, longest)),
        _pg_function("customer_gram_changed",
                     _pg_keys("added", 1, longest) + " UNION ALL " + _pg_keys("removed", -1, longest)),
    ]


def _pg_function(name, body):
    # As migration 0017's, with the blank keys: a bulk load counts its own rows in Python.
    return f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('customer_gram.deferred', true) = 'on' THEN
                RETURN NULL;
            END IF;
            INSERT INTO customer_gram (direct, gram, n)
            SELECT direct, gram, SUM(n) FROM ({body}) AS d GROUP BY direct, gram HAVING SUM(n) <> 0;
            RETURN NULL;
        END $$"""


def _fill_blanks():
    """Count the existing customers' empty fields, one grouped count per field."""
    for name in TEXT_FIELDS:
        db.execute_sql(f"INSERT INTO customer_gram (direct, gram, n) SELECT direct, '{BLANK}{name}', COUNT(*) "
                       f"FROM customer_search WHERE {name} = '' GROUP BY direct")


def _fill_reversed():
    """The reversed addresses of the customers already there (PostgreSQL's reverse() and
    Python's [::-1] both reverse characters)."""
    if is_postgres():
        # The gram trigger would recount every updated row (no gram changes): skipped for
        # this transaction only, as a bulk load does.
        db.execute_sql("SET LOCAL customer_gram.deferred = 'on'")
        db.execute_sql("UPDATE customer_search SET email_reversed = reverse(email) WHERE email <> ''")
        db.execute_sql("SET LOCAL customer_gram.deferred = 'off'")
        return
    # The text index's update trigger would delete and add every row's entries again
    # (nothing it holds changes): set aside for the fill and made again from its own SQL.
    (trigger,) = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                "AND name = 'customer_search_fts_update'").fetchone()
    db.execute_sql("DROP TRIGGER customer_search_fts_update")
    # A function of this connection for this one statement only (no index or trigger names it).
    db.connection().create_function("m0021_reversed", 1, lambda text: text[::-1], deterministic=True)
    db.execute_sql("UPDATE customer_search SET email_reversed = m0021_reversed(email) WHERE email <> ''")
    db.execute_sql(trigger)


_COMMON = ["ALTER TABLE customer_search ADD COLUMN email_reversed {folded}", _fill_reversed]

STATEMENTS = {
    "sqlite": [
        "DROP TRIGGER customer_search_gram_insert",
        "DROP TRIGGER customer_search_gram_delete",
        "DROP TRIGGER customer_search_gram_update",
        *_COMMON,
        # The rowid (the customer id) ends every SQLite index entry, as in migration 0005.
        "CREATE INDEX customer_search_email_reversed ON customer_search (email_reversed, direct)",
        _fill_blanks,
        *sqlite_triggers(2),
        "ANALYZE customer_search",
    ],
    "postgresql": [
        *_COMMON,
        "CREATE INDEX customer_search_email_reversed ON customer_search (email_reversed, direct, id)",
        # The new functions and the fill in one transaction: writers wait for its commit
        # on the table's lock (ALTER TABLE above), so nothing is missed or counted twice.
        *pg_functions(2),
        _fill_blanks,
        "ANALYZE customer_search, customer_gram",
    ],
}
