"""SQL written once per shape, for the list page's fixed queries.

Peewee writes a query's SQL in Python on every run; for a page's rows and their
row flags (a dozen EXISTS columns) that cost more than the database's own work.
Their shape depends only on how many ids they take, so the text is kept per
backend and count, and only the ids change.
"""
from .db import is_postgres

_written = {}
LIMIT = 1024  # distinct shapes kept (page sizes and short last pages: far fewer in practice)


def for_ids(name, build, ids):
    """``(sql, params)`` of the query ``build(ids)``, whose only parameters are ``ids``
    in order; its text written once per ``name``, backend and number of ids."""
    key = (name, is_postgres(), len(ids))
    sql = _written.get(key)
    if sql is None:
        sql, params = build(list(ids)).sql()
        if list(params) != list(ids):
            raise ValueError(f"{name}: the query's parameters are not just the ids")
        if len(_written) >= LIMIT:
            _written.clear()
        _written[key] = sql
    return sql, list(ids)
