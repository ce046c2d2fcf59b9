"""Fast bulk inserts for demo data and imports.

Peewee's ``insert_many`` builds the SQL text for every row in Python, which costs
far more than SQLite's own work at a million rows. Here the statement is written
once and the rows go to the driver as parameters, converted by each field's
``db_value`` so they are stored exactly as a normal save would store them.
"""
from peewee import AutoField

from .db import db

PAGE = 1000


def _columns(model, sample):
    pk = model._meta.primary_key
    return [f for f in model._meta.sorted_fields
            if not (f is pk and isinstance(f, AutoField) and f.name not in sample)]


def _default(field):
    return field.default() if callable(field.default) else field.default


def insert_rows(model, rows):
    """Insert ``rows`` (dicts keyed by field name; missing keys take the field default)."""
    if not rows:
        return
    fields = _columns(model, rows[0])
    names = ", ".join(f'"{f.column_name}"' for f in fields)
    params = [tuple(f.db_value(row[f.name] if f.name in row else _default(f)) for f in fields)
              for row in rows]
    table = model._meta.table_name
    # One prepared statement, many parameter rows: sqlite3 loops in C, psycopg 3
    # sends the rows in pipeline mode (no round trip per row).
    marks = ", ".join(db.param for _ in fields)
    db.cursor().executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', params)
