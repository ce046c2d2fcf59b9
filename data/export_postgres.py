"""The CSV export on PostgreSQL: one ``COPY (search) TO STDOUT``, the server writing the CSV.

Reading a million rows into Python and writing their cells there cost 17 s of the
app's CPU (issue 10's target for the whole export is 15 s). Here the server joins the
owners' and class names, writes amounts as text (``money.units_text_sql``, as the
SQLite export does too) and puts the formula-safe apostrophe
in front of a cell (``csvfile.neutralise``) in SQL, and its own CSV writer quotes the
cells; the app only passes the rows on. The text is the same as ``export.csv_lines``
writes (tests/test_export_fast.py compares the two on hostile values):

- PostgreSQL quotes a cell with a comma, a quote, CR or LF, as Python's csv module does,
  and also an empty string, so empty cells are sent as NULL (written empty, unquoted);
- it ends rows with LF where the export ends them with CRLF: the protocol sends each
  row as one CopyData message ("always one per row"), so the last byte of each message
  is the row's end, and a line break inside a quoted cell is never touched.
"""
from peewee import Case, Value, fn

from .csvfile import FORMULA_STARTS, QUOTE
from .db import db

_STARTS = tuple(sorted(FORMULA_STARTS | {QUOTE}))


def text_cell(value):
    """``neutralise(value)`` in SQL, empty as NULL (see the module's docstring)."""
    safe = Case(None, [(fn.SUBSTR(value, 1, 1).in_(_STARTS), Value(QUOTE).concat(value))], value)
    return fn.NULLIF(safe, "")


def flag_cell(value):
    """A flag as the export writes it."""
    return Case(None, [(value, "true")], "false")


def csv_rows(query, size):
    """The rows of ``query`` (a SELECT of ``text_cell``, ``flag_cell`` and amounts) as CSV
    text without a header, ``size`` rows a piece, each row ended by CRLF. One statement: the
    search runs once, in one snapshot; a reader that stops early (``close()``) cancels it on
    the server.

    The COPY holds the connection until its last row is read, so it runs in a transaction:
    the request's teardown, between the first piece and the rest of the stream, leaves a
    connection in a transaction alone (views/__init__.py), where handing it back to the pool
    waited for the COPY, which waited for the reader, for ever.
    """
    sql, params = query.sql()
    sql = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
    with db.atomic():
        cursor = db.cursor()
        encoding = cursor.connection.info.encoding
        rows = []
        with cursor.copy(sql, params) as copy:
            for row in copy:
                if row[-1:] != b"\n":
                    raise RuntimeError("COPY sent a message that is not one whole row")
                rows.append(row[:-1])
                if len(rows) == size:
                    yield _piece(rows, encoding)
                    rows = []
        if rows:
            yield _piece(rows, encoding)


def _piece(rows, encoding):
    rows.append(b"")
    return b"\r\n".join(rows).decode(encoding)
