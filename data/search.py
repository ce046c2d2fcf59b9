"""Running a customer search fast at a million rows, the same way on both backends.

What is compared is always the Python-folded copy in ``customer_search``, so
every operator has the same case rules everywhere. How it is found differs:

* Is / Is not / Begins with / Is empty: B-tree indexes on the folded columns.
* Contains / Ends with / the simple search: trigram indexes, the backend's own
  (data/search_backends/: SQLite's FTS5 index ``customer_fts``, PostgreSQL's
  pg_trgm indexes under LIKE patterns). Values too short for trigrams (contains
  under 3 characters, ends with under 2) fall back to a scan, and say so.
* Counts of the unsearched list, of 1-2 character simple searches and of one
  Is empty / Is not empty (direct or whole scope): a lookup of the kept counts
  (data/gram_counts.py), no scan.
* E-mail Ends with: a prefix of the reversed copy ``email_reversed``, in its B-tree.

A page is found in two steps: the ids of the page (narrow, index-only where
possible), then the rows for those ids. Where the backend steers the planner
(SQLite), the count decides: few hits are fetched and sorted, many hits are met
by walking the sort column's index (unary ``+`` keeps the planner off the other
indexes). Where it does not (PostgreSQL), a deep page of many hits may be sorted
from the matches instead (``_fenced_ids``).

A search is compiled once (``Search.compiled``); the count, the page and an
export each write their SQL from that one compiled form.
"""
from contextlib import closing
from dataclasses import dataclass, replace
from functools import cached_property, reduce
from operator import and_

from peewee import JOIN, SQL, Join, NodeList, Select, fn

from . import gram_counts, sql_text
from .conditions import Condition
from .db import db
from .paging import Page
from .search_backends import backend
from .search_sql import REVERSED, SIMPLE_SEARCH_FIELDS, STATUS_SEVERITY, C, Hinting, Parts, S, short_for_trigrams
from .text import fold

# Below this many hits the page is fetched and sorted; above it the sort index is walked.
SORT_HITS_LIMIT = 5000
# A walk of the sort index expected to pass at most this many rows first tries checking the
# substring terms on each row instead of having the text index list every match (``_short_walk``),
# for at most CHECKED_WALK_BUDGET thousand steps of the database (some 1,000-5,000 rows: the
# matches of a term can bunch up in the sort order, as names containing "eric" do).
CHECKED_WALK_ROWS = 2000
CHECKED_WALK_BUDGET = 60
# A reseller's or distributor's customers up to this many are read one by one and
# checked on their rows: cheaper than any search index (whose statistics know
# nothing of how few rows the owner has), and the same for every operator.
SMALL_OWNER = SORT_HITS_LIMIT
TEXT_SORTS = {"name": S.sort_name, "email": S.email}
NEGATIVE_TEXT_OPS = ("is_not", "not_contains", "is_not_empty")
CUSTOMER_SORTS = {"currency": C.currency, "balance_control": C.balance_control,
                  "available_funds": C.available_funds, "balance": C.balance,
                  "credit_limit": C.credit_limit, "status": STATUS_SEVERITY}
# Balance means something for postpaid customers, Available funds for prepaid ones:
# sorted by either, the customers it does not apply to come last in both directions.
APPLIES_TO = {"balance": "postpaid", "available_funds": "prepaid"}
__all__ = ["SIMPLE_SEARCH_FIELDS", "Search", "count", "find_page", "batches", "ids_after", "grouped"]


@dataclass(frozen=True)
class Search:
    """What to find: a scope (data.listing.Scope), simple text and conditions,
    always within the reach of ``viewer`` (data.access.Viewer; None: everything)."""
    scope: object
    q: str = ""
    conditions: tuple = ()
    viewer: object = None

    @cached_property
    def small_owner(self):
        """The owner column (reseller/distributor) of a scope or reach of at most
        SMALL_OWNER customers, else None."""
        owners = []
        if self.scope.kind in ("reseller", "distributor"):
            owners.append((self.scope.kind, self.scope.owner.id))
        if self.viewer is not None and self.viewer.owner_kind:
            owners.append((self.viewer.owner_kind, self.viewer.owner_id))
        for kind, owner_id in owners:
            column = C.reseller if kind == "reseller" else C.distributor
            if C.select(C.id).where(column == owner_id).limit(SMALL_OWNER + 1).count() <= SMALL_OWNER:
                return column
        return None

    @cached_property
    def compiled(self):
        """This search as SQL pieces, made once for all the queries that use it."""
        return self.compile()

    def compile(self):
        """The search as SQL pieces (use ``compiled``: it is made once)."""
        small = self.small_owner if backend().reads_small_owners else None
        # With a small owner, its index is walked; every other condition is a check on the row.
        parts = Parts(rows=small is not None)
        parts.reach(self.viewer)
        parts.scope(self.scope)
        if self.q:
            parts.add_search(parts.simple(self.q))
        negative = []
        for cond in self.conditions:
            if cond.spec.kind != "text":
                parts.on_customer.append(parts.customer_condition(cond))
                continue
            check = parts.text(cond.field, cond.op, cond.value)
            parts.add_search(check)
            if cond.op in NEGATIVE_TEXT_OPS:
                negative.append(check)
        return Compiled(parts, tuple(negative), small)

    def counted_gram(self):
        """The folded simple text (0-2 characters) when the count of this search is kept
        by data/gram_counts.py: no conditions, the direct or the whole scope, no reach
        limit. Else None."""
        if self.conditions or self.scope.kind not in ("direct", "all"):
            return None
        if self.viewer is not None and self.viewer.owner_kind:
            return None
        folded = fold(self.q)
        return folded if gram_counts.counted(folded) else None

    def counted_blank(self):
        """``(field, op)`` when the count of this search is kept by data/gram_counts.py as
        customers with an empty field: no text, one Is empty or Is not empty condition on a
        text field, the direct or the whole scope, no reach limit. Else None."""
        if self.q or len(self.conditions) != 1 or self.scope.kind not in ("direct", "all"):
            return None
        if self.viewer is not None and self.viewer.owner_kind:
            return None
        (cond,) = self.conditions
        if cond.spec.kind != "text" or cond.op not in ("is_empty", "is_not_empty"):
            return None
        return cond.field, cond.op

    def is_slow(self):
        """True when some part may scan the table (substrings too short for trigrams: even
        where their count is kept, a rare one's page is found by reading every row)."""
        if self.q and len(fold(self.q)) < 3:
            return True
        return any(c.spec.kind == "text" and c.value is not None and short_for_trigrams(c.op, c.value)
                   and not (c.op == "ends_with" and c.field in REVERSED) for c in self.conditions)


@dataclass(frozen=True)
class Compiled:
    """A search compiled to SQL pieces. Each query takes a copy of ``parts`` (``parts_for``)
    and finishes that; ``parts`` itself is never changed."""
    parts: Parts
    negative: tuple = ()      # the row checks of negative text conditions, within parts.on_search
    small: object = None      # the small owner's column, walked by every query (reads_small_owners)

    def parts_for(self, extra=(), skip_negated=False, positive=None):
        """A copy of the parts for one query: ``extra`` customer conditions added, the negative
        text conditions left out (``skip_negated``), ``positive`` (as in ``Parts.negated``) added."""
        parts = self.parts
        on_search = [c for c in parts.on_search if not (skip_negated and any(c is n for n in self.negative))]
        copy = replace(parts, on_search=on_search, on_customer=[*parts.on_customer, *extra],
                       match=list(parts.match), negated=list(parts.negated))
        if positive is not None:
            kind, condition = positive
            (copy.match if kind == "term" else copy.on_search).append(condition)
        return copy

    def hinting(self, hint, keep):
        """``(hint, keep)`` for a query: a small owner's column is always the one walked."""
        return (True, self.small) if self.small is not None else (hint, keep)

    def applies(self, kind, op):
        """The condition ``balance_control`` is (``op`` "is") or is not ``kind``."""
        return self.parts.customer_condition(Condition("balance_control", op, kind))


def _query(parts, columns, sort_table=None, hint=False, keep=None, customers=None):
    """SELECT over only the tables the conditions (and the sort) need; ``hint``: SQLite's
    unary + on the filter columns but ``keep``; ``customers``: a source read for the
    customer table (``SearchBackend.summary_source``)."""
    use_search = bool(parts.on_search) or sort_table is S
    use_customer = bool(parts.on_customer) or sort_table is C
    if use_search and use_customer:
        query = (S.select(*columns).join(C, on=(C.id == S.customer)) if customers is None
                 else S.select(*columns).from_(Join(S, customers, JOIN.INNER, on=(C.id == S.customer))))
    elif use_customer:
        query = C.select(*columns) if customers is None else C.select(*columns).from_(customers)
    else:
        query = S.select(*columns)
    conditions = parts.on_search + parts.on_customer
    if not conditions:
        return query
    where = reduce(and_, conditions)
    return query.where(Hinting(where, keep) if hint else where)


def _count(compiled, **variant):
    parts = compiled.parts_for(**variant)
    if parts.match and not parts.on_search and not parts.on_customer:
        # Only substring terms (and the direct scope): the backend's text index counts by itself.
        return backend().count_terms(parts.match, parts.direct)
    parts.finish()
    if not parts.on_search and not parts.on_customer:
        return C.select().count()
    return _query(parts, [fn.COUNT(SQL("*"))], None, *compiled.hinting(False, None)).scalar()


def count(search, extra=()):
    """How many customers match.

    With one negative text condition (Is not, Does not contain, Is not empty) the
    count is |the rest| - |the rest with the positive form|: both use indexes,
    while checking the negative condition row by row reads the whole table.
    ``extra``: customer conditions added (``Compiled.applies``).
    """
    gram = search.counted_gram() if not extra else None
    if gram is not None:
        # The list without a search, or 1-2 characters no trigram finds: a kept count.
        return gram_counts.count(gram, search.scope.kind == "direct")
    blank = search.counted_blank() if not extra else None
    if blank is not None:
        # Is empty / Is not empty alone: a kept count of the empty ones (and of everyone).
        field, op = blank
        direct = search.scope.kind == "direct"
        empty = gram_counts.count(gram_counts.blank(field), direct)
        return empty if op == "is_empty" else gram_counts.count("", direct) - empty
    compiled = search.compiled
    if len(compiled.parts.negated) != 1:
        return _count(compiled, extra=extra)
    positive = compiled.parts.negated[0]
    if not extra and len(search.conditions) == 1 and search.conditions[0].op in NEGATIVE_TEXT_OPS:
        # The rest is the unsearched scope: a kept count where there is one (else as below).
        rest = count(replace(search, conditions=()))
    else:
        rest = _count(compiled, extra=extra, skip_negated=True)
    return rest - _count(compiled, extra=extra, skip_negated=True, positive=positive)


def _order(sort, hint):
    """ORDER BY terms for ``sort`` and the table they read."""
    keys, descending, table = _sort_keys(sort, hint)
    return [k.desc() if descending else k.asc() for k in keys], table


def _sort_keys(sort, hint):
    key, descending = sort
    table = S if key in TEXT_SORTS else C
    column = TEXT_SORTS.get(key) or CUSTOMER_SORTS[key]
    if hint:
        column = NodeList((SQL("+"), column), glue="")
    keys = [column, S.direct] if table is S else [column]
    if key == "credit_limit":
        # No limit sorts as the largest; the index is on (credit_limit IS NULL, credit_limit, id).
        keys.insert(0, C.credit_limit.is_null())
    if key == "status":
        # The index is on (severity, status, id); the code adds nothing to the order (the
        # severity decides it) but lets the index serve the whole ORDER BY.
        keys.append(C.status)
    keys.append(S.customer if table is S else C.id)
    return keys, descending, table


def _page_ids(search, sort, offset, limit, total):
    if sort[0] not in APPLIES_TO:
        return _sorted_ids(search, sort, offset, limit, total)
    # Two index-served walks of the same sort index: those the column applies to,
    # then the others (a single ORDER BY with the split first would need one
    # index per direction).
    kind = APPLIES_TO[sort[0]]
    first, rest = (search.compiled.applies(kind, op) for op in ("is", "is_not"))
    ids = _sorted_ids(search, sort, offset, limit, total, (first,))
    if len(ids) < limit:
        # Counted only when the page reaches the others: then the offset into them is needed.
        applicable = offset + len(ids) if ids else count(search, (first,))
        ids += _sorted_ids(search, sort, max(0, offset - applicable), limit - len(ids), total, (rest,))
    return ids


def _sorted_ids(search, sort, offset, limit, total, extra=()):
    steer = backend().steers_planner
    # Few hits (or, where the backend says so, a deep page of many): let the filters' indexes
    # find the matches, then sort them. Many hits: keep the planner off the filter indexes
    # so it walks the sort index (page 1 of a broad search stops after a few hundred rows).
    few = total <= SORT_HITS_LIMIT
    sort_column = TEXT_SORTS.get(sort[0]) or CUSTOMER_SORTS[sort[0]]
    order, table = _order(sort, hint=steer and few)
    compiled = search.compiled
    id_column = S.customer if table is S else C.id

    def walk(parts):
        return (_query(parts, [id_column], table, *compiled.hinting(steer and not few, sort_column))
                .order_by(*order).offset(offset).limit(limit))

    if steer and not few and _short_walk(compiled.parts_for(extra), offset + limit, total):
        rows = backend().rows_within(*walk(compiled.parts_for(extra).finish(table, checked=True)).sql(),
                                     CHECKED_WALK_BUDGET)
        if rows is not None:
            return [customer_id for (customer_id,) in rows]
    parts = compiled.parts_for(extra).finish(table)
    # Where the planner is not steered, few hits are sorted from the matches too: PostgreSQL
    # guesses a LIKE pattern's hits from samples and walked the name index past 100,000 rows
    # for "name contains eric" (its matches cluster at "Eric ...").
    if (few and not steer) or (not few and backend().sorts_deep_page(offset + limit, total)):
        return _fenced_ids(parts, sort, offset, limit)
    return [customer_id for (customer_id,) in walk(parts).tuples()]


def _short_walk(parts, reach, total):
    """True when a walk of the sort index to the ``reach``-th of ``total`` matches should pass
    so few rows (matches spread evenly) that checking the substring terms on each of them (LIKE
    on the folded columns) costs less than having the text index list every match first: an
    FTS5 match of "yahoo" at a million customers lists 153,000 ids (some 60 ms) before the walk
    can start, while its first page is met within some 330 rows (1 ms)."""
    if not parts.match or not total:
        return False
    rows = gram_counts.count("", False)  # every customer: the walk passes them all, direct or not
    return reach * rows <= total * CHECKED_WALK_ROWS


def _fenced_ids(parts, sort, offset, limit):
    """The page sorted from the matches, found by the filters' own indexes (a deep page
    where ``SearchBackend.sorts_deep_page``).

    PostgreSQL's planner, estimating matches in the hundreds of thousands, walks the sort
    index even for page 200 (a second for "son"); ``OFFSET 0`` makes the matches a subquery
    planned on its own (bitmap scans of the trigram indexes), sorted outside it. The
    ORDER BY is the same, so the page is too.
    """
    keys, descending, table = _sort_keys(sort, hint=False)
    names = [f"k{n}" for n in range(len(keys))]
    aliased = [k.alias(name) for k, name in zip(keys, names, strict=True)]
    matches = _query(parts, aliased, table).offset(0).alias("matches")
    order = [getattr(matches.c, name) for name in names]
    query = (Select([matches], [order[-1]]).bind(db)
             .order_by(*[k.desc() if descending else k.asc() for k in order]).offset(offset).limit(limit))
    return [customer_id for (customer_id,) in db.execute_sql(*query.sql()).fetchall()]


def rows_for(ids):
    """Customers for ``ids``, in that order."""
    if not ids:
        return []
    # The SQL text is written once per page size (sql_text): Peewee writing it took
    # longer than the lookup by primary key.
    sql, params = sql_text.for_ids("rows_for", lambda some: C.select().where(C.id.in_(some)), ids)
    found = {c.id: c for c in C.raw(sql, *params)}
    return [found[i] for i in ids if i in found]


def find_page(search, sort=("name", False), page=1, per_page=50):
    """One page of matches, sorted, with the total; a page past the end is the last page."""
    total = count(search)
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    ids = _page_ids(search, sort, (page - 1) * per_page, per_page, total) if total else []
    return Page(rows_for(ids), total, page, per_page)


def batches(search, size=1000, fetch=rows_for):
    """Every match ordered by name, as lists of ``size`` customers (constant memory).

    ``fetch`` turns a list of ids into the rows of a batch, in that order: model
    instances by default; the CSV export passes a cheaper one (data.export.plain_rows).

    One query for the whole result, its ids read a batch at a time by the backend
    (``SearchBackend.id_batches``: SQLite's statement itself, PostgreSQL's server-side
    cursor), so the search runs once.
    """
    compiled = search.compiled
    parts = compiled.parts_for().finish()
    sql, params = (_query(parts, [S.customer], S, *compiled.hinting(False, None))
                   .order_by(S.sort_name, S.direct, S.customer).sql())
    # closing(): a client that leaves early ends the backend's query now, not when collected.
    with closing(backend().id_batches(sql, params, size)) as chunks:
        for ids in chunks:
            yield fetch(ids)


def ids_after(search, after, limit, extra=()):
    """The next ``limit`` matching customer ids above ``after``, in id order.

    A bulk job walks its selection this way: its checkpoint is the last id of its
    last committed batch, so it can stop anywhere (killed, cancelled) and go on from
    there. ``extra``: customer conditions added (the ticked rows' ids).
    """
    compiled = search.compiled
    parts = compiled.parts_for((C.id > after, *extra)).finish(C)
    query = _query(parts, [C.id], C, *compiled.hinting(False, None)).order_by(C.id).limit(limit)
    return [customer_id for (customer_id,) in query.tuples()]


def grouped(search, columns, extra=()):
    """The matches grouped by ``columns`` (SQL expressions over the customer):
    ``[(values, count, smallest id)]``, one per distinct combination (a bulk
    action's preview: every customer of a group gets the same answer)."""
    compiled = search.compiled
    parts = compiled.parts_for(tuple(extra)).finish(C)
    aliased = [column.alias(f"g{n}") for n, column in enumerate(columns)]
    query = (_query(parts, [*aliased, fn.COUNT(SQL("*")), fn.MIN(C.id)], C, *compiled.hinting(False, None))
             .group_by(*[SQL(f"g{n}") for n in range(len(columns))]))
    return [(tuple(row[:-2]), row[-2], row[-1]) for row in query.tuples()]
