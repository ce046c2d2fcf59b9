"""The default scope and name order answered from the search table alone (issues 10 and 11).

* ``customer_search.direct``: no reseller. The default page (direct customers)
  joined ``customer`` for every match and lost every index-only count; now each
  folded-column index is ``(column, direct)``, so a count of direct matches stays
  inside one index. A trigger on ``customer.reseller_id`` keeps it in step.
* ``customer_search.sort_name``: the folded name without accents (``sort_key``),
  so "Éric" sorts with "Eric". Its index ``(sort_name, direct)`` serves the name
  sort and, with a recheck on ``name``, Is and Begins with on names; the old
  ``(name, id)`` index goes.
* SQLite: the FTS5 index is rebuilt with an ``owner`` column holding a mark for
  customers that have a reseller, so "direct and contains x" is one MATCH
  (``... NOT owner : mark``) counted inside FTS. Values are no longer opened
  with char(2) (nothing searched on it: Begins with uses the B-trees), which
  makes the index smaller; they still end with char(3) for Ends with.

The definition of the FTS table and its triggers lives here only (``FTS``); a
bulk load may drop and recreate them from ``sqlite_master`` as data/bulk.py does.
"""
from ..db import db
from ..models import sort_key

COLUMNS = ("name", "company_name", "first_name", "last_name", "address", "city", "state", "zip",
           "country", "phone", "fax", "email", "login")
OTHER_BTREE = [c for c in COLUMNS if c != "name"]
# The owner column's mark for a customer with a reseller (control characters never reach stored text).
OWNED = "char(1) || 'r' || char(1)"


def _values(prefix):
    wrapped = [f"{prefix}.{c} || char(3)" for c in COLUMNS]
    return ", ".join(wrapped + [f"CASE WHEN {prefix}.direct THEN '' ELSE {OWNED} END"])


_names = ", ".join(COLUMNS + ("owner",))
FTS = [
    f"""CREATE VIRTUAL TABLE customer_fts USING fts5({_names}, content='', columnsize=0,
        tokenize='trigram case_sensitive 1')""",
    f"""CREATE TRIGGER customer_search_fts_insert AFTER INSERT ON customer_search BEGIN
        INSERT INTO customer_fts (rowid, {_names}) VALUES (new.id, {_values('new')});
    END""",
    f"""CREATE TRIGGER customer_search_fts_delete AFTER DELETE ON customer_search BEGIN
        INSERT INTO customer_fts (customer_fts, rowid, {_names}) VALUES ('delete', old.id, {_values('old')});
    END""",
    f"""CREATE TRIGGER customer_search_fts_update AFTER UPDATE ON customer_search BEGIN
        INSERT INTO customer_fts (customer_fts, rowid, {_names}) VALUES ('delete', old.id, {_values('old')});
        INSERT INTO customer_fts (rowid, {_names}) VALUES (new.id, {_values('new')});
    END""",
    f"INSERT INTO customer_fts (rowid, {_names}) SELECT id, {_values('customer_search')} FROM customer_search",
]


def fill_sort_names():
    """sort_name = name, except where accents make them differ (computed in Python, as on writes)."""
    db.execute_sql("UPDATE customer_search SET sort_name = name")
    rows = db.execute_sql("SELECT id, name FROM customer_search").fetchall()
    changed = [(sort_key(name), customer_id) for customer_id, name in rows if not name.isascii()]
    placeholder = db.param
    for start in range(0, len(changed), 1000):
        db.cursor().executemany(f"UPDATE customer_search SET sort_name = {placeholder} WHERE id = {placeholder}",
                                changed[start:start + 1000])


_COMMON = [
    "ALTER TABLE customer_search ADD COLUMN direct {bool} NOT NULL DEFAULT {true}",
    "ALTER TABLE customer_search ADD COLUMN sort_name {folded}",
    "UPDATE customer_search SET direct = {false} WHERE id IN (SELECT id FROM customer WHERE reseller_id IS NOT NULL)",
    fill_sort_names,
    "DROP INDEX customer_search_name",
] + [f"DROP INDEX customer_search_{c}" for c in OTHER_BTREE]

STATEMENTS = {
    "sqlite": [
        # Gone before the updates below, so they do not rewrite the old index row by row.
        "DROP TRIGGER customer_search_fts_insert",
        "DROP TRIGGER customer_search_fts_delete",
        "DROP TRIGGER customer_search_fts_update",
        "DROP TABLE customer_fts",
    ] + _COMMON + [
        # The rowid (the customer id) ends every SQLite index entry: (sort_name, direct, id).
        "CREATE INDEX customer_search_sort_name ON customer_search (sort_name, direct)",
        "CREATE INDEX customer_search_direct ON customer_search (direct)",
    ] + [f"CREATE INDEX customer_search_{c} ON customer_search ({c}, direct)" for c in OTHER_BTREE] + [
        """CREATE TRIGGER customer_direct AFTER UPDATE OF reseller_id ON customer
            WHEN (old.reseller_id IS NULL) <> (new.reseller_id IS NULL) BEGIN
            UPDATE customer_search SET direct = (new.reseller_id IS NULL) WHERE id = new.id;
        END""",
    ] + FTS + ["ANALYZE customer_search"],
    "postgresql": _COMMON + [
        "CREATE INDEX customer_search_sort_name ON customer_search (sort_name, direct, id)",
        "CREATE INDEX customer_search_direct ON customer_search (direct, id)",
    ] + [f"CREATE INDEX customer_search_{c} ON customer_search ({c}, direct, id)" for c in OTHER_BTREE] + [
        """CREATE FUNCTION customer_direct() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE customer_search SET direct = (NEW.reseller_id IS NULL) WHERE id = NEW.id;
            RETURN NULL;
        END $$""",
        """CREATE TRIGGER customer_direct AFTER UPDATE OF reseller_id ON customer FOR EACH ROW
            WHEN ((OLD.reseller_id IS NULL) IS DISTINCT FROM (NEW.reseller_id IS NULL))
            EXECUTE FUNCTION customer_direct()""",
        "ANALYZE customer_search",
    ],
}
