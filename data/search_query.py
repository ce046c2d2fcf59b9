"""A customer search and its compiled SQL pieces: what to find (``Search``), the pieces
made once from it (``Compiled``) and the SELECT each query writes from them (``query_for``).

What is compared is always the Python-folded copy in ``customer_search``, so
every operator has the same case rules everywhere. How it is found differs:

* Is / Is not / Begins with / Is empty: B-tree indexes on the folded columns.
* Contains / Ends with / the simple search: trigram indexes, the backend's own
  (data/search_backends/: SQLite's FTS5 index ``customer_fts``, PostgreSQL's
  pg_trgm indexes under LIKE patterns). Values too short for trigrams (contains
  under 3 characters, ends with under 2) fall back to a scan, and say so.
* E-mail Ends with: a prefix of the reversed copy ``email_reversed``, in its B-tree.

A search is compiled once (``Search.compiled``); the count (data/search.py), the page
(data/search_pages.py) and an export each write their SQL from that one compiled form.
"""
from dataclasses import dataclass, replace
from functools import cached_property, reduce
from operator import and_

from peewee import JOIN, Join

from . import gram_counts
from .conditions import Condition
from .db import db
from .search_backends import backend
from .search_driver import range_driver
from .search_nodes import Hinting, short_for_trigrams
from .search_sql import REVERSED, C, Parts, S
from .text import fold

# A reseller's or distributor's customers up to this many are read one by one and
# checked on their rows: cheaper than any search index (whose statistics know
# nothing of how few rows the owner has), and the same for every operator. As many
# as a page sorts from its matches (search_pages.SORT_HITS_LIMIT).
SMALL_OWNER = 5000
NEGATIVE_TEXT_OPS = ("is_not", "not_contains", "is_not_empty")
# The last entry of the customer key. Its text written once: Peewee writing it cost more
# than the lookup, on every search page.
_TOP_ID = f'SELECT MAX("id") FROM "{C._meta.table_name}"'


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
        """``(column, owner id)`` of the owner (reseller/distributor column) of a scope or
        reach of at most SMALL_OWNER customers, else None."""
        owners = []
        if self.scope.kind in ("reseller", "distributor"):
            owners.append((self.scope.kind, self.scope.owner.id))
        if self.viewer is not None and self.viewer.owner_kind:
            owners.append((self.viewer.owner_kind, self.viewer.owner_id))
        for kind, owner_id in owners:
            column = C.reseller if kind == "reseller" else C.distributor
            if C.select(C.id).where(column == owner_id).limit(SMALL_OWNER + 1).count() <= SMALL_OWNER:
                return column, owner_id
        return None

    def table_rows(self):
        """The customer table's size, near enough (its highest id), looked up once for this
        search: the first page of a broad one weighs it twice on PostgreSQL (search_pages:
        its bound and its walk, ``SearchBackend.sorts_deep_page``), a round trip each."""
        return self._table_rows

    @cached_property
    def _table_rows(self):
        # Parameters (), not None: Peewee logs them with the SQL, and log handlers read them
        # as a sequence.
        return db.execute_sql(_TOP_ID, ()).fetchone()[0] or 0

    @cached_property
    def compiled(self):
        """This search as SQL pieces, made once for all the queries that use it."""
        return self.compile()

    def compile(self):
        """The search as SQL pieces (use ``compiled``: it is made once)."""
        # A steered planner walks a small owner's index for every query; else its customers are
        # listed, which only text conditions (tested row by row) take: without one, the owner's
        # size is not asked for (a query on every page of the owner's list).
        text = self.q or any(c.spec.kind == "text" for c in self.conditions)
        owner = self.small_owner if text or backend().steers_planner else None
        listed = backend().listed_owner(*owner) if owner is not None else None
        # With a small owner, its index is walked and every other condition checked on the row;
        # or its customers are listed (``listed``), for the queries whose conditions are tested
        # row by row to read them by id (``Parts.finish``).
        small = owner[0] if owner is not None and listed is None else None
        parts = Parts(rows=small is not None, listing=(*owner, listed) if listed is not None else None)
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
        steered = backend().steers_planner and small is None and not parts.on_customer
        return Compiled(parts, tuple(negative), small, range_driver(parts) if steered else None)

    @property
    def kept_scope(self):
        """True when the scope's customers are counted by data/gram_counts.py (the direct or
        the whole scope) and no reach limits them."""
        return self.scope.kind in ("direct", "all") and not (self.viewer is not None and self.viewer.owner_kind)

    def counted_gram(self):
        """The folded simple text (0-3 characters) when the count of this search is kept
        by data/gram_counts.py: no conditions, the direct or the whole scope, no reach
        limit. Else None."""
        if self.conditions or not self.kept_scope:
            return None
        folded = fold(self.q)
        return folded if gram_counts.counted(folded) else None

    def counted_blank(self):
        """``(field, op)`` when the count of this search is kept by data/gram_counts.py as
        customers with an empty field: no text, one Is empty or Is not empty condition on a
        text field, the direct or the whole scope, no reach limit. Else None."""
        if self.q or len(self.conditions) != 1 or not self.kept_scope:
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
    small: object = None      # the small owner's column, walked by every query (SearchBackend.listed_owner)
    driver: object = None     # the column whose B-tree range finds the matches (search_driver)

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
        """``(hint, keep)`` for a query: a small owner's column is always the one walked; a
        query not walking the sort index (``hint`` false) reads the driving range."""
        if self.small is not None:
            return True, self.small
        if not hint and self.driver is not None:
            return True, self.driver
        return hint, keep

    def finish(self, parts, table=None):
        """``parts.finish(table)`` for a query that does not walk the sort index: with a
        driving range, the substring terms are checked on the rows that range reads (a LIKE
        on a row read anyway) instead of having the text index list every match first."""
        return parts.finish(table, checked=self.driver is not None)

    def applies(self, kind, op):
        """The condition ``balance_control`` is (``op`` "is") or is not ``kind``."""
        return self.parts.customer_condition(Condition("balance_control", op, kind))


def query_for(parts, columns, sort_table=None, hint=False, keep=None, customers=None):
    """The SELECT of ``columns`` for one query's finished ``parts`` (``Compiled.parts_for``,
    then ``Parts.finish``), over only the tables the conditions (and the sort) need, its
    conditions as the WHERE (ORDER BY, LIMIT and the like are the caller's).

    ``sort_table``: the table the caller sorts or groups by (customer_search ``S`` or customer
    ``C``), read even where no condition is on it; ``hint``: SQLite's unary + on the filter columns
    but ``keep``; ``customers``: a source read for the customer table
    (``SearchBackend.summary_source``)."""
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
