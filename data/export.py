"""Customers as CSV (RFC 4180), the format ``import-customers`` reads back."""
import csv
import io
import re
from contextlib import closing
from functools import lru_cache

from peewee import JOIN, SQL, BooleanField, CharField, TextField, Value, fn

from . import export_postgres
from . import search as searching
from .csvfile import FORMULA_STARTS, QUOTE, neutralise
from .db import db, is_postgres
from .fields import CSV_AMOUNTS, CSV_COLUMNS
from .models import Customer, CustomerClass
from .money import units_text_sql
from .records import Account
from .search_sql import S
from .status import ACTIVE

# The canonical field names, in the field table's order (data/fields.py).
COLUMNS = CSV_COLUMNS
# Amounts are plain numbers ("-12.5"), which a spreadsheet reads as numbers, never
# as formulas: they are the only cells written without formula neutralising.
AMOUNTS = CSV_AMOUNTS
OWNERS = ("reseller", "distributor")

# The tables an exported row reads: the customer, its owners' and its class's names.
ROW = Customer.alias("export_row")
OWNER_ROWS = {name: Customer.alias(f"export_{name}") for name in OWNERS}
CLASS_ROW = CustomerClass.alias("export_class")


# A literal, not a parameter: _rows_sql's text is run with the ids as its only parameters.
_EMPTY = SQL("''")


def _columns(text, joined, flag, amount):
    """The SQL of each of the COLUMNS: ``text(value)`` of the customer's text fields,
    ``joined(name)`` of its owners' and class's names (NULL for none), ``flag(value)`` of
    its flags, ``amount(units_text_sql(units))`` of its amounts (the same SQL on both
    backends, so the exports cannot differ in an amount)."""
    columns = []
    for name in COLUMNS:
        if name in OWNER_ROWS:
            columns.append(joined(OWNER_ROWS[name].name))
        elif name == "customer_class":
            columns.append(joined(CLASS_ROW.name))
        elif name in AMOUNTS:
            columns.append(amount(units_text_sql(getattr(ROW, name))))
        elif isinstance(Customer._meta.fields[name], BooleanField):
            columns.append(flag(getattr(ROW, name)))
        else:
            columns.append(text(getattr(ROW, name)))
    return columns


def _as_is(value):
    return value


def _or_empty(value):
    return fn.COALESCE(value, _EMPTY)


def _stored_columns():
    """The COLUMNS as ``_cells`` reads them ('' for no owner, class or amount), then the id."""
    return [*_columns(text=_as_is, joined=_or_empty, flag=_as_is, amount=_or_empty), ROW.id]


def _names_joined(query):
    for name, owner in OWNER_ROWS.items():
        query = query.join_from(ROW, owner, JOIN.LEFT_OUTER, on=(owner.id == getattr(ROW, name)))
    return query.join_from(ROW, CLASS_ROW, JOIN.LEFT_OUTER, on=(CLASS_ROW.id == ROW.customer_class))


def matches(search, columns):
    """``columns`` (over ``ROW``, ``OWNER_ROWS``, ``CLASS_ROW``) of every match of ``search``,
    in the list's order: one statement for the whole export."""
    return _names_joined(searching.ordered(search, columns).join_from(S, ROW, on=(ROW.id == S.customer)))


def plain_rows(ids):
    """The COLUMNS of the customers ``ids`` as stored, then the id, in ``ids``' order
    (unknown ids left out): plain tuples from the driver, no model instances, no Decimals;
    ``_cells`` makes them text."""
    if not ids:
        return []
    postgres = is_postgres()
    sql = _rows_sql(0 if postgres else len(ids), postgres)
    found = {r[-1]: r for r in db.execute_sql(sql, [list(ids)] if postgres else ids).fetchall()}
    return [found[i] for i in ids if i in found]


@lru_cache(maxsize=16)
def _rows_sql(count, postgres):
    # Made once per batch size: Peewee rendering an IN list of a thousand ids cost
    # more than running the query.
    rows = _names_joined(ROW.select(*_stored_columns()))
    if postgres:
        # The ids as one array: psycopg rewrites the %s markers of a long query in Python
        # on every run (it keeps only short queries' rewrites), 7 ms for a thousand.
        sql, _ = rows.where(ROW.id == fn.ANY(Value([0], unpack=False))).sql()
    else:
        sql, _ = rows.where(ROW.id.in_([0] * count)).sql()
    return sql


def _streamed(search, size):
    """SQLite: the rows of ``plain_rows`` for every match, ``size`` at a time, from one
    statement read as it goes (the search runs once; a reader leaving early ends it).

    In a transaction, as PostgreSQL's COPY: one snapshot, and the request's teardown
    between the first piece and the rest leaves the connection to the stream instead of
    handing it back to the pool while the statement still reads from it.
    """
    sql, params = matches(search, _stored_columns()).sql()
    with db.atomic(), closing(db.execute_sql(sql, params)) as cursor:
        while rows := cursor.fetchmany(size):
            yield rows


class _Memo(dict):
    """``make(value)`` remembered per value: for columns of few values (flags, status codes)."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, value):
        self[value] = made = self.make(value)
        return made


# A text column of a batch needs neutralise() cell by cell only if one of its values starts
# with what a spreadsheet runs; the values joined by NUL (which clean() keeps out of every
# stored value) are searched for that once, in C. Most columns of most batches have none
# (phone numbers, "+49 ...", have).
_RISKY_START = re.compile("\0[" + re.escape("".join(sorted(FORMULA_STARTS | {QUOTE}))) + "]")


def _neutralised(column):
    if _RISKY_START.search("\0" + "\0".join(column)) is None:
        return column
    return list(map(neutralise, column))


def _cell_makers():
    """For each column, the function from its stored values (a column of a batch) to its cells."""
    makers = []
    for name in COLUMNS:
        field = Customer._meta.fields[name]
        if name in AMOUNTS:  # text already (units_text_sql), and never a formula
            makers.append(lambda column: column)
        elif isinstance(field, BooleanField):
            flags = _Memo(lambda value: "true" if value else "false")
            makers.append(lambda column, flags=flags: list(map(flags.__getitem__, column)))
        elif isinstance(field, (CharField, TextField)) or name in OWNERS or name == "customer_class":
            makers.append(_neutralised)
        else:  # stored as a code (status): the value Python sees, neutralised like any text
            shown = _Memo(lambda value, field=field: neutralise(field.python_value(value)))
            makers.append(lambda column, shown=shown: list(map(shown.__getitem__, column)))
    return makers


_MAKERS = _cell_makers()


def _cells(rows):
    """CSV cells of ``rows`` (from ``plain_rows``): text cells safe to open in a spreadsheet.

    Column by column: each maker runs over a whole column in C (``map``, one regex
    search) rather than a Python call per cell.
    """
    columns = zip(*rows, strict=True)
    # Each row ends with its id (plain_rows keys on it), which has no maker: zip stops before it.
    return zip(*[make(column) for make, column in zip(_MAKERS, columns, strict=False)], strict=True)


ROWS_PER_PIECE = 1000


def csv_text(search, size=None):
    """Every match of ``search`` as CSV text in pieces of ``size`` rows (``ROWS_PER_PIECE``),
    the header with the first: on PostgreSQL written by the server (data/export_postgres.py),
    on SQLite here."""
    size = size or ROWS_PER_PIECE
    if not is_postgres():
        return csv_lines(_streamed(search, size))
    cells = _columns(text=export_postgres.text_cell, joined=export_postgres.text_cell,
                     flag=export_postgres.flag_cell, amount=_as_is)
    return _headed(export_postgres.csv_rows(matches(search, cells), size))


def _header():
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(COLUMNS)
    return buffer.getvalue()


def _headed(pieces):
    try:
        yield _header() + next(pieces, "")
        yield from pieces
    finally:
        pieces.close()  # a reader that stops at the first piece ends the COPY too


def csv_lines(batches):
    """CSV text in pieces: the header with the first, then one piece per batch of rows as
    ``plain_rows`` returns them (a search's, ``_streamed``; ticked ids, views/bulk.py)."""
    buffer = io.StringIO()
    buffer.write(_header())
    writer = csv.writer(buffer, lineterminator="\r\n")
    for batch in batches:
        writer.writerows(_cells(batch))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # no batch at all: the header alone
        yield buffer.getvalue()


# The file for moving one customer to another installation adds its accounts
# (account numbers separated by spaces); import-customers reads that column too.
INSTALLATION_COLUMNS = COLUMNS + ("accounts",)


def installation_file(customer):
    """One customer, its balances and accounts, as CSV for ``import-customers`` elsewhere."""
    values = dict(zip(COLUMNS, next(_cells(plain_rows([customer.id]))), strict=True))
    values["status"] = ACTIVE
    numbers = Account.select(Account.number).where(Account.customer == customer.id).order_by(Account.number)
    values["accounts"] = neutralise(" ".join(n for (n,) in numbers.tuples()))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INSTALLATION_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(values)
    return buffer.getvalue()
