"""Customers as CSV (RFC 4180), the format ``import-customers`` reads back."""
import csv
import io
from functools import lru_cache

from peewee import BooleanField, CharField, TextField, Value, fn

from . import export_postgres
from . import search as searching
from .csvfile import neutralise
from .db import db, is_postgres
from .fields import CSV_COLUMNS
from .models import Customer, CustomerClass
from .money import units_text
from .records import Account
from .status import ACTIVE

# The canonical field names, in the field table's order (data/fields.py).
COLUMNS = CSV_COLUMNS


class _Names:
    """Owner and class names by id as CSV cells (neutralised), fetched once per batch
    for the ids not seen yet."""

    def __init__(self):
        self.owners = {None: ""}
        self.classes = {None: ""}

    def load(self, rows):
        """Look up the names ``rows`` (tuples from ``plain_rows``) refer to."""
        owner_ids = {r[i] for r in rows for i in _OWNER_CELLS} - self.owners.keys()
        if owner_ids:
            self.owners.update(_names(Customer, list(owner_ids)))
        class_ids = {r[_CLASS_CELL] for r in rows} - self.classes.keys()
        if class_ids:
            self.classes.update(_names(CustomerClass, list(class_ids)))


def _names(model, ids):
    sql, params = model.select(model.id, model.name).where(model.id.in_(ids)).sql()
    return [(i, neutralise(name)) for i, name in db.execute_sql(sql, params).fetchall()]


# Amounts are plain numbers ("-12.5"), which a spreadsheet reads as numbers, never
# as formulas: they are the only cells written without formula neutralising.
AMOUNTS = ("balance", "available_funds", "credit_limit")
# The customer columns behind COLUMNS (reseller -> reseller_id, ...), in that order.
_FIELDS = tuple(Customer._meta.fields[name] for name in COLUMNS)
_OWNER_CELLS = tuple(COLUMNS.index(name) for name in ("reseller", "distributor"))
_CLASS_CELL = COLUMNS.index("customer_class")


def plain_rows(ids):
    """The COLUMNS of the customers ``ids``, in that order, as the database stores them.

    A million customers are exported through this: plain tuples from the driver
    (no model instances, no Decimals), turned into text by ``_cells``.
    """
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
    rows = Customer.select(*_FIELDS, Customer.id)
    if postgres:
        # The ids as one array: psycopg rewrites the %s markers of a long query in Python
        # on every run (it keeps only short queries' rewrites), 7 ms for a thousand, 7 s
        # of CPU in an export of a million.
        sql, _ = rows.where(Customer.id == fn.ANY(Value([0], unpack=False))).sql()
    else:
        sql, _ = rows.where(Customer.id.in_([0] * count)).sql()
    return sql


class _Memo(dict):
    """``make(value)`` remembered per value: for columns of few values (flags, status codes)."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, value):
        self[value] = made = self.make(value)
        return made


def _cell_makers(names):
    """For each column, the function from its stored value to its CSV cell."""
    makers = []
    for name, field in zip(COLUMNS, _FIELDS, strict=True):
        if name in ("reseller", "distributor"):
            makers.append(names.owners.__getitem__)
        elif name == "customer_class":
            makers.append(names.classes.__getitem__)
        elif name in AMOUNTS:
            makers.append(units_text)
        elif isinstance(field, BooleanField):
            makers.append(_Memo(lambda value: "true" if value else "false").__getitem__)
        elif isinstance(field, (CharField, TextField)):
            makers.append(neutralise)
        else:  # stored as a code (status): the value Python sees, neutralised like any text
            makers.append(_Memo(lambda value, field=field: neutralise(field.python_value(value))).__getitem__)
    return makers


def _cells(rows, makers):
    """CSV cells of ``rows`` (from ``plain_rows``): text cells safe to open in a spreadsheet.

    Column by column: ``map`` over a column calls one function in a tight loop,
    and the dict lookups (owners, flags, statuses) need no Python call at all.
    """
    columns = zip(*rows, strict=True)
    # Each row ends with its id (plain_rows keys on it), which has no maker: zip stops before it.
    return zip(*[list(map(make, column)) for make, column in zip(makers, columns, strict=False)], strict=True)


def csv_text(search):
    """Every match of ``search`` as CSV text in pieces, the header with the first: on
    PostgreSQL written by the server (data/export_postgres.py), on SQLite here."""
    if not is_postgres():
        return csv_lines(searching.batches(search, fetch=plain_rows))
    return _headed(export_postgres.csv_rows(search))


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
    """CSV text in pieces: the header, then one piece per batch of rows from ``plain_rows``
    (``data.search.batches(..., fetch=plain_rows)``)."""
    buffer = io.StringIO()
    buffer.write(_header())
    writer = csv.writer(buffer, lineterminator="\r\n")
    names = _Names()
    makers = _cell_makers(names)
    for batch in batches:
        names.load(batch)
        writer.writerows(_cells(batch, makers))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


# The file for moving one customer to another installation adds its accounts
# (account numbers separated by spaces); import-customers reads that column too.
INSTALLATION_COLUMNS = COLUMNS + ("accounts",)


def installation_file(customer):
    """One customer, its balances and accounts, as CSV for ``import-customers`` elsewhere."""
    rows = plain_rows([customer.id])
    names = _Names()
    names.load(rows)
    values = dict(zip(COLUMNS, next(_cells(rows, _cell_makers(names))), strict=True))
    values["status"] = ACTIVE
    numbers = Account.select(Account.number).where(Account.customer == customer.id).order_by(Account.number)
    values["accounts"] = neutralise(" ".join(n for (n,) in numbers.tuples()))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INSTALLATION_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(values)
    return buffer.getvalue()
