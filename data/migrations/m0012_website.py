"""The customer's website (issue 12): a searchable text field.

The column on ``customer``, its folded copy on ``customer_search`` with a B-tree,
and a trigram index: PostgreSQL a pg_trgm GIN index, SQLite the FTS5 index made
again with a ``website`` column (an FTS5 table cannot gain one), refilled from
``customer_search`` in this migration's transaction. Existing customers get an
empty website, so their search rows need no other change.
"""
from .searchable import add_text_field

# The full-text index's text columns from now on (migration 0005's, then website).
FTS_COLUMNS = ("name", "company_name", "first_name", "last_name", "address", "city", "state", "zip",
               "country", "phone", "fax", "email", "login", "website")

STATEMENTS = add_text_field("website", 255, FTS_COLUMNS)
