"""Exact counts without a scan: customers per 1- and 2-character substring (issue 10).

``customer_gram (direct, gram, n)``: how many customers (direct ones or the
others) hold ``gram`` in one of the simple search's folded fields of
customer_search. Every customer holds the empty gram ``''``, so the unsearched
list's count is a lookup too. Substrings of 1-2 characters are what the
trigram indexes cannot find (a count then read the whole table: 0.5-0.8 s at a
million customers); a lookup here answers it exactly, "%" and "_" included.

The counts are kept by triggers on customer_search, so every write path
(saves, imports, seeds, deletes and their cascades, the ``direct`` flip on
customer.reseller_id) keeps them, in the writer's own transaction:

* SQLite (one writer at a time): row triggers upserting the one row per
  (direct, gram).
* PostgreSQL: statement triggers over transition tables append signed rows
  (never update one), so concurrent writers (an import's long transaction
  and the app's saves) never wait on a shared counter row; a count is the sum
  of its rows, and data/gram_counts.py folds a gram's rows into one now and
  then. TRUNCATE empties the counts.

A bulk load (and this migration, for the customers already there) counts in
Python instead, the same grams (data/gram_counts.py ``BulkGrams``): SQLite's
triggers are dropped meanwhile, PostgreSQL's skip the load's own transaction.

The fields are frozen here; a migration that adds a simple-search field makes
the triggers again and recounts (``STATEMENTS`` of this module show the shape).
"""

FIELDS = ("name", "company_name", "first_name", "last_name", "city", "state", "zip", "country", "phone",
          "email", "login", "website")
# A folded value is at most 3 x its field's longest (255, website): casefold expands a character to 3.
POSITIONS = 1024


def _sqlite_grams(prefix):
    """The distinct grams (and '') of one row ``prefix`` (new/old), as a SELECT."""
    values = ", ".join(f"{prefix}.{f}" for f in FIELDS)
    source = f"json_each(json_array({values})) AS f JOIN customer_gram_position AS p ON p.p <= length(f.value)"
    return (f"SELECT '' AS gram UNION SELECT substr(f.value, p.p, 1) FROM {source} "
            f"UNION SELECT substr(f.value, p.p, 2) FROM {source} WHERE p.p < length(f.value)")


def _sqlite_add(prefix, sign):
    # WHERE true: SQLite's parser needs it before ON CONFLICT after a SELECT with a join.
    return (f"INSERT INTO customer_gram (direct, gram, n) SELECT {prefix}.direct, gram, {sign} "
            f"FROM ({_sqlite_grams(prefix)}) WHERE true "
            f"ON CONFLICT (direct, gram) DO UPDATE SET n = n + excluded.n;")


_CHANGED = " OR ".join(["old.direct IS NOT new.direct"] + [f"old.{f} IS NOT new.{f}" for f in FIELDS])

SQLITE = [
    "CREATE TABLE customer_gram (direct INTEGER NOT NULL, gram TEXT NOT NULL, n INTEGER NOT NULL, "
    "PRIMARY KEY (direct, gram)) WITHOUT ROWID",
    "CREATE TABLE customer_gram_position (p INTEGER PRIMARY KEY)",
    f"""WITH RECURSIVE p(p) AS (SELECT 1 UNION ALL SELECT p + 1 FROM p WHERE p < {POSITIONS})
        INSERT INTO customer_gram_position SELECT p FROM p""",
    f"""CREATE TRIGGER customer_search_gram_insert AFTER INSERT ON customer_search BEGIN
        {_sqlite_add('new', 1)}
    END""",
    f"""CREATE TRIGGER customer_search_gram_delete AFTER DELETE ON customer_search BEGIN
        {_sqlite_add('old', -1)}
    END""",
    f"""CREATE TRIGGER customer_search_gram_update AFTER UPDATE ON customer_search WHEN {_CHANGED} BEGIN
        {_sqlite_add('old', -1)}
        {_sqlite_add('new', 1)}
    END""",
]


def _fill():
    """Count the existing customers' grams in Python, a batch of rows at a time (SQLite has
    no LATERAL join; PostgreSQL's took about 1 ms a row)."""
    from ..db import db

    counts = {}
    columns = ", ".join(FIELDS)
    mark = db.param
    last = -1
    # Keyset batches: a PostgreSQL cursor would hold every row in memory at once.
    while rows := db.execute_sql(f"SELECT id, direct, {columns} FROM customer_search WHERE id > {mark} "
                                 "ORDER BY id LIMIT 5000", [last]).fetchall():
        for _, direct, *values in rows:
            for gram in row_grams(values):
                key = (direct, gram)
                counts[key] = counts.get(key, 0) + 1
        last = rows[-1][0]
    db.cursor().executemany(f"INSERT INTO customer_gram (direct, gram, n) VALUES ({mark}, {mark}, {mark})",
                            [(direct, gram, n) for (direct, gram), n in counts.items()])


def row_grams(values):
    """The distinct grams of one customer's folded simple-search values, '' included
    (what the triggers count; frozen here with them)."""
    grams = {""}
    for value in values:
        grams.update(value)
        grams.update(value[i:i + 2] for i in range(len(value) - 1))
    return grams




def _pg_grams(source, sign):
    values = ", ".join(f"r.{f}" for f in FIELDS)
    return f"""SELECT r.direct, g.gram, {sign} AS n FROM {source} AS r CROSS JOIN LATERAL (
            SELECT '' AS gram
            UNION SELECT substr(f.v, i, w) FROM unnest(ARRAY[{values}]) AS f(v),
                generate_series(1, length(f.v)) AS i, (VALUES (1), (2)) AS w(w)
            WHERE i + w - 1 <= length(f.v)) AS g"""


def _pg_function(name, body):
    # A bulk load counts its rows in Python (set-based here it took ~1 ms a row) and says
    # so for its own transaction only: SET LOCAL customer_gram.deferred = 'on'.
    return f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('customer_gram.deferred', true) = 'on' THEN
                RETURN NULL;
            END IF;
            INSERT INTO customer_gram (direct, gram, n)
            SELECT direct, gram, SUM(n) FROM ({body}) AS d GROUP BY direct, gram HAVING SUM(n) <> 0;
            RETURN NULL;
        END $$"""


POSTGRESQL = [
    'CREATE TABLE customer_gram (direct BOOLEAN NOT NULL, gram TEXT COLLATE "C" NOT NULL, n BIGINT NOT NULL)',
    "CREATE INDEX customer_gram_gram ON customer_gram (gram, direct)",
    _pg_function("customer_gram_added", _pg_grams("added", 1)),
    _pg_function("customer_gram_removed", _pg_grams("removed", -1)),
    _pg_function("customer_gram_changed", _pg_grams("added", 1) + " UNION ALL " + _pg_grams("removed", -1)),
    """CREATE FUNCTION customer_gram_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM customer_gram;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER customer_search_gram_insert AFTER INSERT ON customer_search
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION customer_gram_added()""",
    """CREATE TRIGGER customer_search_gram_delete AFTER DELETE ON customer_search
        REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION customer_gram_removed()""",
    """CREATE TRIGGER customer_search_gram_update AFTER UPDATE ON customer_search
        REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT
        EXECUTE FUNCTION customer_gram_changed()""",
    """CREATE TRIGGER customer_search_gram_truncate AFTER TRUNCATE ON customer_search
        FOR EACH STATEMENT EXECUTE FUNCTION customer_gram_truncated()""",
    # The triggers (made above, in this transaction) hold writers back until the commit,
    # so nothing written meanwhile is missed or counted twice.
    _fill,
    "ANALYZE customer_gram",
]

STATEMENTS = {"sqlite": [*SQLITE, _fill], "postgresql": POSTGRESQL}
