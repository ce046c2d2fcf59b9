"""Counting a customer search fast at a million rows, the same way on both backends, and
the queries over all its matches: their rows by id, the export's order, a bulk job's
batches and a bulk action's groups.

The search and its compiled SQL pieces (which index finds each condition) are in
data/search_query.py; ``Search`` is imported from here too. How a count is made:

* The unsearched list, 1-3 character simple searches and one Is empty / Is not
  empty (direct or whole scope): a lookup of the kept counts (data/gram_counts.py),
  no scan.
* One negative text condition: the rest less the rest with the positive form,
  both on indexes (``count``).
* The direct customers with conditions on the summed columns alone: the backend's
  summary source, a narrow index (``_summary_count``); one amount most of the
  scope passes: everyone less the other sides (``_other_sides``).
"""
from dataclasses import replace
from functools import cache, reduce
from operator import or_

from peewee import SQL, Case, CharField, Field, ForeignKeyField, IntegerField, fn

from . import gram_counts, sql_text
from .db import db
from .search_backends import backend
from .search_query import NEGATIVE_TEXT_OPS, Search, query_for
from .search_sql import SIMPLE_SEARCH_FIELDS, C, S

# The customer columns of the index customer_summary (migration 0022, SQLite), beside the
# id and the reseller.
SUMMARY_FIELDS = frozenset({"status", "currency", "balance_control", "balance", "available_funds", "credit_limit"})
# The amounts, each with an index of its own that ends with the reseller (migration 0024).
AMOUNT_FIELDS = frozenset({"balance", "available_funds", "credit_limit"})
# Of those, the ones never NULL: each customer is below, at or above any value of them.
NOT_NULL_AMOUNTS = frozenset({"balance", "available_funds"})
# The other two of <, = and >, for a money condition's operator.
OTHER_SIDES = {"gt": ("lt", "eq"), "lt": ("gt", "eq"), "eq": ("lt", "gt")}
# The sample that tells whether most of a scope passes a customer condition (``mostly_passing``).
SAMPLE_WINDOWS, SAMPLE_WIDTH = 16, 128
__all__ = ["SIMPLE_SEARCH_FIELDS", "Search", "count", "rows_for", "ids_after", "grouped"]


def summary_source_for(search):
    """Where a grouped query or a sample reads the customer table: the backend's summary
    source (``SearchBackend.summary_source``) where ``search`` reads nothing of a customer row
    but the columns of customer_summary (``reads_summary_only``); else None (the table itself).

    The matches are then found by id elsewhere (the text index, customer_search), or the
    conditions are on amounts (the others are the tally's): one scan of that index, at
    worst, where an amount's index visits rows at random (balance > 300: 3.3 s)."""
    return backend().summary_source(C) if reads_summary_only(search) else None


def mostly_passing(search, condition):
    """True when more than half of a sample of the search's customers pass ``condition`` (a
    customer condition): the customers of SAMPLE_WINDOWS runs of SAMPLE_WIDTH ids spread over
    the table, in one statement (each run a range of the summary index, which leads with the id)."""
    top = search.table_rows()
    step = max(SAMPLE_WIDTH, top // SAMPLE_WINDOWS)
    runs = reduce(or_, [C.id.between(low, low + SAMPLE_WIDTH - 1) for low in range(0, top + 1, step)])
    parts = search.compiled.parts_for((runs,)).finish()
    query = query_for(parts, [fn.COUNT(SQL("*")), fn.SUM(Case(None, [(condition, 1)], 0))], C,
                   customers=summary_source_for(search))
    seen, passing = query.tuples()[0]
    return int(passing or 0) * 2 > seen


def reads_summary_only(search):
    """True when the search reads nothing of a customer row but the columns of the index
    customer_summary (migration 0022; its text conditions are on customer_search), in the
    whole base or the direct customers, with no reach limit."""
    if not search.kept_scope:
        return False
    return all(c.spec.kind == "text" or c.field in SUMMARY_FIELDS for c in search.conditions)


def _summary_count(search):
    """The source for counting the direct customers that pass conditions on the summed
    columns alone (amounts, currency, balance control, a broad status), where the planner
    walked the reseller index through every direct customer and read each row (783,000 for
    "balance > 300" at a million: 250-420 ms): the backend's summary source, one scan of
    that narrow index; conditions on one amount alone, a range of that amount's index,
    which holds the reseller too (migration 0024: "balance > 300" 45-56 -> 22 ms). A status
    other than Active keeps the status index. Else None."""
    if search.scope.kind != "direct" or search.q or not search.conditions or not reads_summary_only(search):
        return None
    # Text conditions read customer_search; a narrow status is counted in the status index.
    if any(c.spec.kind == "text" for c in search.conditions) or search.compiled.parts.narrow_status:
        return None
    fields = {c.field for c in search.conditions}
    if len(fields) == 1 and fields <= AMOUNT_FIELDS:
        return backend().summary_source(C, *fields)
    return backend().summary_source(C)


def _count(compiled, summary=None, **variant):
    parts = compiled.parts_for(**variant)
    if parts.match and not parts.on_search and not parts.on_customer:
        # Only substring terms (and the direct scope): the backend's text index counts by itself.
        return backend().count_terms(parts.match, parts.direct)
    compiled.finish(parts)
    if not parts.on_search and not parts.on_customer:
        return C.select().count()
    customers = summary if not parts.on_search else None
    return query_for(parts, [fn.COUNT(SQL("*"))], None, *compiled.hinting(False, None), customers=customers).scalar()


def count(search, extra=()):
    """How many customers match.

    With one negative text condition (Is not, Does not contain, Is not empty) the
    count is |the rest| - |the rest with the positive form|: both use indexes,
    while checking the negative condition row by row reads the whole table.
    ``extra``: customer conditions added (``Compiled.applies``).
    """
    gram = search.counted_gram() if not extra else None
    if gram is not None:
        # The list without a search, or 1-3 characters (the broadest trigram search): a kept count.
        return gram_counts.count(gram, search.scope.kind == "direct")
    blank = search.counted_blank() if not extra else None
    if blank is not None:
        # Is empty / Is not empty alone: a kept count of the empty ones (and of everyone).
        field, op = blank
        direct = search.scope.kind == "direct"
        empty = gram_counts.count(gram_counts.blank(field), direct)
        return empty if op == "is_empty" else gram_counts.count("", direct) - empty
    others = _other_sides(search) if not extra else None
    if others is not None:
        # Most of the scope passes one amount condition: everyone (a kept count) less the rest,
        # each counted as the range it is (not sampled again, as count() would).
        return gram_counts.count("", search.scope.kind == "direct") - sum(
            _count(other.compiled, _summary_count(other)) for other in others)
    compiled = search.compiled
    if len(compiled.parts.negated) != 1:
        return _count(compiled, _summary_count(search), extra=extra)
    positive = compiled.parts.negated[0]
    if not extra and len(search.conditions) == 1 and search.conditions[0].op in NEGATIVE_TEXT_OPS:
        # The rest is the unsearched scope: a kept count where there is one (else as below).
        rest = count(replace(search, conditions=()))
    else:
        rest = _count(compiled, extra=extra, skip_negated=True)
    return rest - _count(compiled, extra=extra, skip_negated=True, positive=positive)


def _other_sides(search):
    """The searches of the customers that fail the one amount condition of ``search`` (each a
    range of the amount's index), when a sample says most of the scope passes it; else None.

    "balance > 300" keeps 670,000 of 784,000 direct customers at a million: its count read
    670,000 index entries (22 ms on SQLite, 37-49 ms on PostgreSQL), where "< 300" and "= 300"
    read 114,000. Only for amounts that are never NULL (every customer then has exactly one
    of <, = and >), in the direct or the whole scope (whose size is kept), no reach limit."""
    if search.q or len(search.conditions) != 1 or not search.kept_scope:
        return None
    (cond,) = search.conditions
    if cond.field not in NOT_NULL_AMOUNTS or cond.op not in OTHER_SIDES:
        return None
    if not mostly_passing(replace(search, conditions=()), search.compiled.parts.on_customer[0]):
        return None
    return [replace(search, conditions=(replace(cond, op=op),)) for op in OTHER_SIDES[cond.op]]


def rows_for(ids):
    """Customers for ``ids``, in that order."""
    if not ids:
        return []
    # The SQL text is written once per page size (sql_text): Peewee writing it took
    # longer than the lookup by primary key.
    sql, params = sql_text.for_ids("rows_for", lambda some: C.select().where(C.id.in_(some)), ids)
    names, converters = _row_reading()
    found = {}
    # The instance is made from the row's values at once, as Model.__init__ with
    # __no_default__ would: its setattr per field and row took longer than the query (some
    # 40 µs a row of 39 columns), and so did Peewee's row conversion (a call per column).
    for row in db.execute_sql(sql, params):
        data = dict(zip(names, row, strict=True))
        for name, convert in converters:
            value = data[name]
            if value is not None:
                data[name] = convert(value)
        customer = C.__new__(C)
        customer.__data__, customer._dirty, customer.__rel__ = data, set(), {}
        found[data["id"]] = customer
    return [found[i] for i in ids if i in found]


# Field types whose stored value (text, integer) is already the Python one on both databases.
_AS_STORED = (CharField, IntegerField)


@cache
def _row_reading():
    """The customer's field names in column order, and ``(name, python_value)`` of those
    whose stored value needs converting (Peewee's own conversion, for fewer columns)."""
    fields = C._meta.sorted_fields
    stored = [f.rel_field if isinstance(f, ForeignKeyField) else f for f in fields]
    converters = [(f.name, f.python_value) for f, kept in zip(fields, stored, strict=True)
                  if not (isinstance(kept, _AS_STORED) and type(kept).python_value is Field.python_value)]
    return [f.name for f in fields], converters


def ordered(search, columns):
    """``columns`` of every match, in the list's order (sort key of the name, then direct,
    then id): one query for a whole result (the CSV export, data/export.py)."""
    compiled = search.compiled
    bare = compiled.parts_for()
    hinting = compiled.hinting(False, None)
    if backend().steers_planner and not (hinting[0] or bare.match or bare.on_search or bare.on_customer):
        # The whole scope, walked in the sort index's order. Written plainly, SQLite took
        # "direct = 1" for a constraint of that index (sort_name, direct) and sorted each
        # name's rows again (a temporary B-tree: 1 s of a million's export); as a filter
        # (+direct) the walk is the order.
        hinting = (True, S.sort_name)
    return (query_for(compiled.finish(bare), columns, S, *hinting)
            .order_by(S.sort_name, S.direct, S.customer))


def ids_after(search, after, limit, extra=()):
    """The next ``limit`` matching customer ids above ``after``, in id order.

    A bulk job walks its selection this way: its checkpoint is the last id of its
    last committed batch, so it can stop anywhere (killed, cancelled) and go on from
    there. ``extra``: customer conditions added (the ticked rows' ids).
    """
    compiled = search.compiled
    parts = compiled.finish(compiled.parts_for((C.id > after, *extra)), C)
    query = query_for(parts, [C.id], C, *compiled.hinting(False, None)).order_by(C.id).limit(limit)
    return [customer_id for (customer_id,) in query.tuples()]


def grouped(search, columns, extra=()):
    """The matches grouped by ``columns`` (SQL expressions over the customer):
    ``[(values, count, smallest id)]``, one per distinct combination (a bulk
    action's preview: every customer of a group gets the same answer)."""
    compiled = search.compiled
    parts = compiled.finish(compiled.parts_for(tuple(extra)), C)
    aliased = [column.alias(f"g{n}") for n, column in enumerate(columns)]
    query = (query_for(parts, [*aliased, fn.COUNT(SQL("*")), fn.MIN(C.id)], C, *compiled.hinting(False, None))
             .group_by(*[SQL(f"g{n}") for n in range(len(columns))]))
    return [(tuple(row[:-2]), row[-2], row[-1]) for row in query.tuples()]
