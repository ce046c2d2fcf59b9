"""SQL written once per shape, for the queries every page runs.

Peewee writes a query's SQL in Python on every run; for a page's rows and their
row flags (a dozen EXISTS columns), and for the few lookups every request makes
(its session, settings, saved views), that cost more than the database's own work.
Their shape depends only on the number of their parameters, so the text is kept
per name, backend and count, and only the parameters change.
"""
from .db import db, is_postgres

_written = {}
LIMIT = 1024  # distinct shapes kept (page sizes and short last pages: far fewer in practice)


def _entry(name, build, params):
    key = (name, is_postgres(), len(params))
    entry = _written.get(key)
    if entry is None:
        query = build(list(params))
        sql, written = query.sql()
        if list(written) != list(params):
            raise ValueError(f"{name}: the query's parameters are not just the ones given")
        if len(_written) >= LIMIT:
            _written.clear()
        entry = _written[key] = (query, sql)
    return entry


def for_ids(name, build, ids):
    """``(sql, params)`` of the query ``build(ids)``, whose only parameters are ``ids``
    in order; its text written once per ``name``, backend and number of ids."""
    return _entry(name, build, ids)[1], list(ids)


def rows(name, build, params=()):
    """The rows of the Peewee query ``build(params)``, as running it would give them
    (model instances with their joined models, tuples, ...); its parameters must be
    exactly ``params``, in order. Its text is written once per ``name``, backend and
    number of parameters: one ``name`` per shape of query."""
    query, sql = _entry(name, build, params)
    # Peewee turns a cursor into the query's kind of rows here (Query.execute does the
    # same after writing the SQL again); the query object is only read, never run.
    return list(query._get_cursor_wrapper(db.execute_sql(sql, list(params))))
