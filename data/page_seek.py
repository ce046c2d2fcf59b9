"""A page found from the row beside it (keyset): the pieces data/search_pages.py puts together.

The pager's Next carries the sort keys of its page's last row, Previous those of the first
(views/list_position.py); the page is then the matches past that row in the sort's order,
walked from it, where an OFFSET walks past every match before the page. Here: what a seek
is (``Seek``), the keys read back from a URL as parameters (``bound_keys``), the conditions
that find the rows past a row (``seek_conditions``), and the keys of a page's edge rows
(``edge_keys``), written so they come back through a URL unchanged (``plain``).

The balance and available-funds sorts put the customers the column applies to first, in
two walks (search_pages.APPLIES_TO); their keys start with which of the two the row is in
(1: the first). Their amounts travel as integers of MoneyField's stored units.
"""
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import and_

from peewee import SQL, BooleanField, Field, ForeignKeyField, IntegerField, NodeList, Tuple, Value

from .money import SCALE, MoneyField
from .search_backends import backend
from .search_sql import C

BIGINT = 1 << 63  # a key past the database's integers is no row's


@dataclass(frozen=True)
class Seek:
    """Where a page starts: right after (``after``) or right before (``before``) the row
    whose sort keys are ``keys`` (a page's ``first_keys`` / ``last_keys``)."""
    keys: tuple
    after: bool = True


def bound_keys(keys, values):
    """``values`` (from a URL) as parameters for the sort ``keys``, or None when they do not fit."""
    if len(values) != len(keys):
        return None
    bound = []
    for key, value in zip(keys, values, strict=True):
        if not _fits(key, value):
            return None
        stored = key.db_value(value) if isinstance(key, Field) and not isinstance(key, MoneyField) else value
        bound.append(Value(stored, converter=False))
    return bound


def _fits(key, value):
    number = isinstance(value, int) and not isinstance(value, bool) and -BIGINT <= value < BIGINT
    if isinstance(key, BooleanField):
        return value in (0, 1)
    if isinstance(key, (IntegerField, ForeignKeyField)) or not isinstance(key, Field):
        return number  # ids, stored amounts, and the keys that are expressions (status severity)
    return isinstance(value, str)


def seek_conditions(keys, bound, greater, table):
    """The conditions that find the rows past the seek row in the walk's order, each a
    function of ``hint`` (the first key under SQLite's unary +: few hits are found by the
    filters' indexes, then sorted, where a range of the sort index would read on to the end).
    Read in turn until the page is full.

    ``(keys) > (values)`` (or ``<``) in one. But SQLite, the backend whose planner is
    steered, ranges a row value only over an index's columns before the row id, and the
    customer table's sort indexes end with the id: past ``("USD", 889122)`` it walked every
    USD customer from the top. There the rest of the seek row's tie (the same keys, the id
    past it) comes first, then the keys past them. PostgreSQL ranges the whole row value,
    and its planner did worse with the two."""

    def compare(left, right):
        return left > right if greater else left < right

    def hinted(hint, columns):
        return [NodeList((SQL("+"), columns[0]), glue=""), *columns[1:]] if hint else columns

    if table is not C or not backend().steers_planner:
        return [lambda hint: compare(Tuple(*hinted(hint, keys)), Tuple(*bound))]

    def tie(hint):
        columns = hinted(hint, keys)
        return reduce(and_, [c == v for c, v in zip(columns[:-1], bound[:-1], strict=True)]
                      + [compare(columns[-1], bound[-1])])

    def beyond(hint):
        columns = hinted(hint, keys[:-1])
        if len(columns) == 1:
            return compare(columns[0], bound[0])
        return compare(Tuple(*columns), Tuple(*bound[:-1]))

    return [tie, beyond]


def edge_keys(keys, table, id_column, first_id, last_id, applies_to=None):
    """The sort ``keys`` of the rows ``first_id`` and ``last_id`` (a page's ends), as plain
    values; ``applies_to``: the balance control that comes first (its flag leads the keys).
    None for a row deleted since the page was read: its link goes by the page number."""
    columns = [C.balance_control, *keys] if applies_to else list(keys)
    found = {}
    for row in table.select(*columns, id_column).where(id_column.in_([first_id, last_id])).tuples():
        values = plain(row[:-1])
        if applies_to:
            values = [int(values[0] == applies_to), *values[1:]]
        found[row[-1]] = tuple(values)
    return found.get(first_id), found.get(last_id)


def plain(values):
    """Key values as a URL carries them back: SQLite's and PostgreSQL's ``direct`` flag as 0/1,
    an amount as MoneyField's stored integer (exact, and the same through JSON)."""
    return [int(v) if isinstance(v, bool) else int(v.scaleb(SCALE)) if isinstance(v, Decimal) else v
            for v in values]
