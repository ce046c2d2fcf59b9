"""The CSV export on PostgreSQL: one ``COPY (search) TO STDOUT``, the server writing the CSV.

Reading a million rows into Python and writing their cells there cost 17 s of the
app's CPU (issue 10's target for the whole export is 15 s). Here the server joins the
owners' and class names, writes amounts as text and puts the formula-safe apostrophe
in front of a cell (``csvfile.neutralise``) in SQL, and its own CSV writer quotes the
cells; the app only passes the rows on. The text is the same as ``export.csv_lines``
writes (tests/test_export_fast.py compares the two on hostile values):

- PostgreSQL quotes a cell with a comma, a quote, CR or LF, as Python's csv module does,
  and also an empty string, so empty cells are sent as NULL (written empty, unquoted);
- it ends rows with LF where the export ends them with CRLF: the protocol sends each
  row as one CopyData message ("always one per row"), so the last byte of each message
  is the row's end, and a line break inside a quoted cell is never touched.
"""
from functools import reduce

from peewee import JOIN, SQL, BooleanField, Case, Value, fn

from . import search as searching
from .csvfile import FORMULA_STARTS, QUOTE
from .db import db
from .fields import CSV_AMOUNTS, CSV_COLUMNS
from .models import Customer, CustomerClass
from .money import SCALE
from .search_sql import S

# A literal: a number beside a MoneyField would go through the field's converter (x 10^5).
_ONE = SQL(str(10 ** SCALE))
_STARTS = tuple(sorted(FORMULA_STARTS | {QUOTE}))
_OWNERS = ("reseller", "distributor")


def _text(value):
    """``neutralise(value)`` in SQL, empty as NULL (see the module's docstring)."""
    safe = Case(None, [(fn.SUBSTR(value, 1, 1).in_(_STARTS), Value(QUOTE).concat(value))], value)
    return fn.NULLIF(safe, "")


def _amount(units):
    """``money.units_text(units)`` in SQL: 10^-5 units as plain decimal text."""
    whole = fn.ABS(units) / _ONE
    # 100000 + the fraction, less its first digit: the fraction with its leading zeros.
    fraction = fn.RTRIM(fn.SUBSTR((fn.MOD(fn.ABS(units), _ONE) + _ONE).cast("text"), 2), "0")
    sign = Case(None, [(units < 0, "-")], "")
    return Case(None, [(units.is_null(), None),
                       (fn.MOD(units, _ONE) == 0, (units / _ONE).cast("text"))],
                sign.concat(whole.cast("text")).concat(".").concat(fraction))


def _cells():
    """The SQL of each CSV column, in ``CSV_COLUMNS``' order, and the tables they read."""
    row = Customer.alias("export_row")
    owners = {name: Customer.alias(f"export_{name}") for name in _OWNERS}
    klass = CustomerClass.alias("export_class")
    cells = []
    for name in CSV_COLUMNS:
        if name in owners:
            cells.append(_text(owners[name].name))
        elif name == "customer_class":
            cells.append(_text(klass.name))
        elif name in CSV_AMOUNTS:
            cells.append(_amount(getattr(row, name)))
        elif isinstance(Customer._meta.fields[name], BooleanField):
            cells.append(Case(None, [(getattr(row, name), "true")], "false"))
        else:
            cells.append(_text(getattr(row, name)))
    return cells, row, owners, klass


def _statement(search):
    cells, row, owners, klass = _cells()
    query = searching.ordered(search, cells).join_from(S, row, on=(row.id == S.customer))
    query = reduce(lambda q, name: q.join_from(row, owners[name], JOIN.LEFT_OUTER,
                                               on=(owners[name].id == getattr(row, name))), _OWNERS, query)
    query = query.join_from(row, klass, JOIN.LEFT_OUTER, on=(klass.id == row.customer_class))
    sql, params = query.sql()
    return f"COPY ({sql}) TO STDOUT (FORMAT csv)", params


ROWS_PER_PIECE = 1000


def csv_rows(search, size=None):
    """Every match of ``search`` as CSV text without its header, ``size`` rows a piece
    (``ROWS_PER_PIECE``), each row ended by CRLF. One statement: the search runs once, in
    one snapshot; a reader that stops early (``close()``) cancels it on the server.

    The COPY holds the connection until its last row is read, so it runs in a transaction:
    the request's teardown, between the first piece and the rest of the stream, leaves a
    connection in a transaction alone (views/__init__.py), where handing it back to the pool
    waited for the COPY, which waited for the reader, for ever.
    """
    sql, params = _statement(search)
    size = size or ROWS_PER_PIECE
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
