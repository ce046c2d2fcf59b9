"""Statements for a migration that adds a searchable text field (see data/fields.py).

Not a migration itself (no ``mNNNN_`` prefix): migrations call it with their own
frozen arguments, never with a list imported from the changing code, so each
one keeps doing what it did when it was written. The SQL below is part of past
migrations: change it only by adding parameters whose defaults keep it as is.

What a searchable text field needs, as migrations 0001, 0002 and 0005 built it
for the first ones:

* ``customer.<name>``: ``VARCHAR(max_length) NOT NULL DEFAULT ''``;
* ``customer_search.<name>``: the folded copy, with a B-tree ``(<name>, direct)``
  for Is / Begins with / Is empty in the default scope;
* PostgreSQL: a pg_trgm GIN index on the copy (Contains, Ends with, simple search);
* SQLite: a column in the contentless FTS5 index ``customer_fts``. FTS5 tables
  cannot gain a column, so the index, its triggers (the shape data/bulk.py reads
  back) and its contents are made again with ``fts_columns``.
"""

# The owner column's mark for a customer with a reseller (migration 0005).
_OWNED = "char(1) || 'r' || char(1)"


def _values(prefix, columns):
    wrapped = [f"{prefix}.{c} || char(3)" for c in columns]
    return ", ".join(wrapped + [f"CASE WHEN {prefix}.direct THEN '' ELSE {_OWNED} END"])


def text_index(columns):
    """SQLite: the statements that drop ``customer_fts`` and make it again over ``columns`` (+ owner)."""
    names = ", ".join((*columns, "owner"))
    return [
        "DROP TRIGGER customer_search_fts_insert",
        "DROP TRIGGER customer_search_fts_delete",
        "DROP TRIGGER customer_search_fts_update",
        "DROP TABLE customer_fts",
        f"""CREATE VIRTUAL TABLE customer_fts USING fts5({names}, content='', columnsize=0,
        tokenize='trigram case_sensitive 1')""",
        f"""CREATE TRIGGER customer_search_fts_insert AFTER INSERT ON customer_search BEGIN
        INSERT INTO customer_fts (rowid, {names}) VALUES (new.id, {_values('new', columns)});
    END""",
        f"""CREATE TRIGGER customer_search_fts_delete AFTER DELETE ON customer_search BEGIN
        INSERT INTO customer_fts (customer_fts, rowid, {names}) VALUES ('delete', old.id, {_values('old', columns)});
    END""",
        f"""CREATE TRIGGER customer_search_fts_update AFTER UPDATE ON customer_search BEGIN
        INSERT INTO customer_fts (customer_fts, rowid, {names}) VALUES ('delete', old.id, {_values('old', columns)});
        INSERT INTO customer_fts (rowid, {names}) VALUES (new.id, {_values('new', columns)});
    END""",
        f"INSERT INTO customer_fts (rowid, {names}) SELECT id, {_values('customer_search', columns)} "
        "FROM customer_search",
    ]


def add_text_field(name, max_length, fts_columns):
    """``STATEMENTS`` (per backend) adding the searchable text field ``name``.

    ``fts_columns``: every text column the SQLite full-text index holds once
    the field is added, in order, ``name`` included (a copy in the migration).
    """
    if name not in fts_columns:
        raise ValueError(f"{name} must be one of the full-text index's columns")
    common = [
        f"ALTER TABLE customer ADD COLUMN {name} VARCHAR({max_length}) NOT NULL DEFAULT ''",
        f"ALTER TABLE customer_search ADD COLUMN {name} {{folded}}",
    ]
    return {
        # The rowid (the customer id) ends every SQLite index entry, as in migration 0005.
        "sqlite": common + [f"CREATE INDEX customer_search_{name} ON customer_search ({name}, direct)"]
        + text_index(fts_columns)
        # Statistics for the planner, but never for the FTS shadow tables (see migration 0002).
        + ["ANALYZE customer_search"],
        "postgresql": common + [
            f"CREATE INDEX customer_search_{name} ON customer_search ({name}, direct, id)",
            f"CREATE INDEX customer_search_{name}_trgm ON customer_search USING gin ({name} public.gin_trgm_ops)",
            "ANALYZE customer_search",
        ],
    }
