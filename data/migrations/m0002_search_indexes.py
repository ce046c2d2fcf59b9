"""Indexes that make every search operator fast at a million customers.

SQLite: a B-tree on each folded column (Is, Begins with, Is empty) and a
contentless FTS5 trigram index (Contains, Ends with, simple search) whose values
are wrapped in char(2) ... char(3), kept in step with customer_search by
triggers, so no code path can forget it. PostgreSQL: B-trees on the "C"-collated
folded columns and pg_trgm GIN indexes for the substring operators.
Both: "no credit limit" sorts as the largest limit, straight from an index.
"""
COLUMNS = ("name", "company_name", "first_name", "last_name", "address", "city", "state", "zip",
           "country", "phone", "fax", "email", "login")
# name and email already have (column, id) indexes for sorting.
BTREE = [c for c in COLUMNS if c not in ("name", "email")]


def _wrapped(prefix):
    return ", ".join(f"char(2) || {prefix}.{c} || char(3)" for c in COLUMNS)


_names = ", ".join(COLUMNS)
CREDIT_LIMIT = [
    "DROP INDEX customer_credit_limit",
    "CREATE INDEX customer_credit_limit ON customer ((credit_limit IS NULL), credit_limit, id)",
]

STATEMENTS = {
    "sqlite": [f"CREATE INDEX customer_search_{c} ON customer_search ({c})" for c in BTREE] + CREDIT_LIMIT + [
        f"""CREATE VIRTUAL TABLE customer_fts USING fts5({_names}, content='', columnsize=0,
            tokenize='trigram case_sensitive 1')""",
        f"""CREATE TRIGGER customer_search_fts_insert AFTER INSERT ON customer_search BEGIN
            INSERT INTO customer_fts (rowid, {_names}) VALUES (new.id, {_wrapped('new')});
        END""",
        f"""CREATE TRIGGER customer_search_fts_delete AFTER DELETE ON customer_search BEGIN
            INSERT INTO customer_fts (customer_fts, rowid, {_names}) VALUES ('delete', old.id, {_wrapped('old')});
        END""",
        f"""CREATE TRIGGER customer_search_fts_update AFTER UPDATE ON customer_search BEGIN
            INSERT INTO customer_fts (customer_fts, rowid, {_names}) VALUES ('delete', old.id, {_wrapped('old')});
            INSERT INTO customer_fts (rowid, {_names}) VALUES (new.id, {_wrapped('new')});
        END""",
        f"INSERT INTO customer_fts (rowid, {_names}) SELECT id, {_wrapped('customer_search')} FROM customer_search",
        # Statistics for the planner, but never for the FTS shadow tables: figures
        # taken while they are small make FTS5's own lookups crawl as they grow.
        "ANALYZE customer",
        "ANALYZE customer_search",
    ],
    "postgresql": ["CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"]
    + [f"CREATE INDEX customer_search_{c} ON customer_search ({c})" for c in BTREE]
    + [f"CREATE INDEX customer_search_{c}_trgm ON customer_search USING gin ({c} public.gin_trgm_ops)"
       for c in COLUMNS]
    + CREDIT_LIMIT + ["ANALYZE customer, customer_search"],
}
