"""One search condition -> SQL, per operator (used by data/search_query.py).

Text is compared on the folded copies in customer_search. Contains and Ends with
(and the simple search) become the backend's index terms where it has a text index
of its own (SQLite: FTS5 phrases ANDed into one MATCH; see data/search_backends/),
else LIKE patterns (PostgreSQL: served by pg_trgm indexes).
"""
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from peewee import Value

from . import gram_counts
from .fields import SIMPLE_SEARCH_FIELDS
from .models import Customer, CustomerClass, CustomerSearch, sort_key
from .search_backends import backend
from .search_nodes import Hinted, Term, like, short_for_trigrams
from .status import ACTIVE, BY_CODE, severity
from .text import fold, like_escape

S, C = CustomerSearch, Customer
Owner, OwnerSearch = Customer.alias("owner"), CustomerSearch.alias("owner_search")
# The status as its priority: the expression the index customer_status is built on
# (migration 0011), one object so that ``Parts.keep`` recognises it as the sort column.
STATUS_SEVERITY = severity(C.status)


# Fields whose Ends with is a prefix of a reversed copy with a B-tree (migration 0021):
# ``customer_search.<field>_reversed``.
REVERSED = ("email",)


def _counted_grams(columns, folded):
    """The trigrams of ``folded`` (held in one of ``columns``) whose holders gram_counts counts."""
    return gram_counts.trigrams(folded) if set(columns) <= set(SIMPLE_SEARCH_FIELDS) else ()


@dataclass
class Parts:
    """A search compiled to SQL pieces, split by the table they read.

    Filter columns are ``Hinted`` (see there). A hinted column loses Peewee's
    value conversion, so values are converted here (``_bound``).
    """
    on_search: list = field(default_factory=list)    # conditions on customer_search (S)
    on_customer: list = field(default_factory=list)  # conditions on customer (C)
    match: list = field(default_factory=list)        # the backend's substring terms (all must match)
    negated: list = field(default_factory=list)      # ("sql"|"term", positive form) of negative text ops
    direct: bool = False                             # the direct scope (no reseller)
    rows: bool = False                               # substrings checked on each row, not through terms
    narrow_status: bool = False                      # a status condition that leaves out the active
    ranges: list = field(default_factory=list)       # (column, condition): text conditions a B-tree range finds
    listing: tuple = None                            # (column, owner id, SearchBackend.listed_owner's listing)
    owned: tuple = None                              # (that owner's condition in on_customer, its listing)
    bounds: list = field(default_factory=list)       # trigrams of each substring checked as a LIKE (``_bounded``)

    @staticmethod
    def col(column):
        return Hinted(column)

    @staticmethod
    def _bound(column, value):
        return Value(column.db_value(value), converter=False)

    def _range(self, column, condition):
        """``condition``, noted in ``ranges`` as found by a range of ``column``'s B-tree."""
        self.ranges.append((column, condition))
        return condition

    def add_search(self, condition):
        if condition is not None:
            self.on_search.append(condition)

    def text(self, column_name, op, value):
        """A text operator on a folded column of customer_search.

        Negative operators return their row check and also note the positive
        form in ``negated``, so a count can be |all| - |positive| instead of a
        check of every row (most rows pass a negative condition).
        """
        column = getattr(S, column_name)
        folded = fold(value) if value is not None else None
        if column_name == "name" and op in ("is", "is_not", "is_empty", "is_not_empty", "begins_with"):
            return self._name(op, folded or "")
        if op in ("is", "is_not", "is_empty", "is_not_empty"):
            target = "" if op.endswith("empty") else folded
            if op in ("is", "is_empty"):
                return self._range(column, self.col(column) == target)
            self.negated.append(("sql", column == target))
            return self.col(column) != target
        if op == "begins_with":
            return self._range(column, like(self.col(column), like_escape(folded) + "%"))
        if op == "ends_with" and column_name in REVERSED:
            # A prefix of the reversed copy: a range of its B-tree, exact and counted there.
            reversed_column = getattr(S, column_name + "_reversed")
            return self._range(reversed_column, like(self.col(reversed_column), like_escape(folded[::-1]) + "%"))
        pattern = "%" + like_escape(folded) + ("" if op == "ends_with" else "%")
        term = self._term((column_name,), "contains" if op == "not_contains" else op, value)
        if op == "not_contains":
            self.negated.append(("term", term) if term else ("sql", like(column, pattern)))
            return ~like(column, pattern)
        if term:
            self.match.append(term)
            return None
        self._bounded((column_name,), folded)
        return like(column, pattern)

    def _bounded(self, columns, folded):
        """Note in ``bounds`` the trigrams of ``folded``, a substring every match holds in one of
        ``columns`` and checked as a LIKE pattern (no backend term), where data/gram_counts.py
        counts their holders: the fewest holders of one of them bound its matches."""
        grams = _counted_grams(columns, folded)
        if grams:
            self.bounds.append(grams)

    def _term(self, columns, op, value):
        """The backend's index term for a substring (``SearchBackend.substring_term``), or
        None: the LIKE pattern is checked (no such index, rows read one by one, too short; a
        pair of characters to contain is asked for, and found where few customers hold it).
        The term carries that LIKE check as well (``Term.check``)."""
        folded = fold(value)
        pair = op == "contains" and len(folded) == 2
        if self.rows or (short_for_trigrams(op, value) and not pair):
            return None
        term = backend().substring_term(columns, op, folded)
        if term is None:
            return None
        tail = "" if op == "ends_with" else "%"
        check = reduce(or_, [like(self.col(getattr(S, name)), "%" + like_escape(folded) + tail) for name in columns])
        grams = _counted_grams(columns, folded)
        if columns != ("name",):
            return Term(term, check, grams=grams)
        # sort_key drops only combining marks, character by character, so the key of a name
        # holds the key of any substring of it (at its end, for a suffix): a walk of the sort
        # index tests the key there and reads a row only where it passes (SQLite defers the
        # row until a column the index lacks is needed). "eric" at a million: 15,000 index
        # entries for page 1, 1.4 ms, against 29 ms reading every row to test the name.
        key = like(S.sort_name, "%" + like_escape(sort_key(folded)) + tail)
        return Term(term, key & check, in_sort_index=True, grams=grams)

    def _name(self, op, folded):
        """The accent-free sort key's index finds the candidates (a prefix of a name keeps a
        prefix of its key) and the name decides; both are in the name's index on SQLite
        (migration 0027) and in the sort index on PostgreSQL (0025), so a count reads no row."""
        key = sort_key(folded)
        if op == "begins_with":
            return self._range(S.sort_name, like(self.col(S.sort_name), like_escape(key) + "%")
                               & like(S.name, like_escape(folded) + "%"))
        if op == "is":
            # Names are unique: whatever else the search holds (a small owner's customers
            # walked, a sort), the key's index finds the one or two rows at once. Left to
            # the hint, Is in a distributor's 1,518 customers read every one (3 ms, not 0.01).
            return self._range(S.sort_name, (S.sort_name == key) & (S.name == folded))
        positive = (self.col(S.sort_name) == key) & (S.name == folded)
        if op == "is_empty":
            return self._range(S.sort_name, positive)
        self.negated.append(("sql", (S.sort_name == key) & (S.name == folded)))
        return S.name != folded

    def _unranged(self):
        """The conditions on customer_search that no B-tree range of ``ranges`` finds."""
        return [c for c in self.on_search if not any(c is found for _, found in self.ranges)]

    def simple(self, q):
        folded = fold(q)
        term = self._term(SIMPLE_SEARCH_FIELDS, "contains", q)
        if term:
            self.match.append(term)
            return None
        pattern = "%" + like_escape(folded) + "%"
        self._bounded(SIMPLE_SEARCH_FIELDS, folded)
        return reduce(or_, [like(getattr(S, name), pattern) for name in SIMPLE_SEARCH_FIELDS])

    @staticmethod
    def owner(column, kind, op, value):
        """Reseller/distributor conditions compare the owner's folded name.

        Owners are few (one per 200 customers or so), so their names are simply
        scanned among the customers of that type.
        """
        if op == "is_empty":
            return column.is_null()
        if op == "is_not_empty":
            return column.is_null(False)
        positive = {"is_not": "is", "not_contains": "contains"}.get(op, op)
        folded = fold(value)
        name = OwnerSearch.name
        condition = {
            "is": name == folded,
            "begins_with": like(name, like_escape(folded) + "%"),
            "contains": like(name, "%" + like_escape(folded) + "%"),
            "ends_with": like(name, "%" + like_escape(folded)),
        }[positive]
        owners = (Owner.select(Owner.id).join(OwnerSearch, on=(OwnerSearch.customer == Owner.id))
                  .where((Owner.customer_type == kind) & condition))
        if positive != op:
            return column.is_null() | column.not_in(owners)
        return column.in_(owners)

    def customer_condition(self, cond):
        """Enumerated, money and owner conditions, all on the customer table."""
        if cond.spec.kind == "owner":
            column = C.reseller if cond.field == "reseller" else C.distributor
            return self.owner(column, cond.field, cond.op, cond.value)
        if cond.field == "customer_class":
            classes = CustomerClass.select(CustomerClass.id).where(CustomerClass.name == cond.value)
            return {"is": C.customer_class.in_(classes),
                    "is_not": C.customer_class.is_null() | C.customer_class.not_in(classes),
                    "is_empty": C.customer_class.is_null(),
                    "is_not_empty": C.customer_class.is_null(False)}[cond.op]
        column = getattr(C, cond.field)
        if cond.op == "is_empty":
            return column.is_null()
        if cond.field == "status":
            codes = cond.value if cond.op == "in" else (cond.value,)
            return self._status(cond.op, [BY_CODE[code].priority for code in codes])
        left, right = self.col(column), self._bound(column, cond.value)
        return {"is": left == right, "is_not": left != right, "eq": left == right,
                "gt": left > right, "lt": left < right}[cond.op]

    def _status(self, op, priorities):
        """Status conditions compare the severity, which the status index holds (the codes
        have no index of their own). Is is a one-value range, not =: SQLite (3.40) drops an
        =-pinned expression from the index's order, and a list filtered by status and
        sorted by status was then sorted in a temporary B-tree instead of read in order.
        Is any of (``in``): one IN list over the severities, one index range per status;
        without Active, the ranges ORed: SQLite, whose statistics know only the average
        customers per status, scanned the whole table for an IN list (blocked or suspended:
        0.27 s at a million) where it reads an OR of ranges from the index (3 ms)."""
        left = self.col(STATUS_SEVERITY)
        if op in ("is", "in") and BY_CODE[ACTIVE].priority not in priorities:
            self.narrow_status = True
        if op == "in":
            if len(priorities) == 1:
                return self._status("is", priorities)
            if self.narrow_status:
                return reduce(or_, [left.between(Value(p), Value(p)) for p in priorities])
            return left.in_([Value(p) for p in priorities])
        (priority,) = priorities
        if op == "is":
            return left.between(Value(priority), Value(priority))
        return left != Value(priority)

    def reach(self, viewer):
        """Keep to what the signed-in viewer may see (reseller or distributor staff)."""
        if viewer is not None and viewer.owner_kind:
            self._owned(C.reseller if viewer.owner_kind == "reseller" else C.distributor, viewer.owner_id)

    def scope(self, scope):
        if scope.kind == "direct":
            self.direct = True
        elif scope.kind in ("reseller", "distributor"):
            self._owned(C.reseller if scope.kind == "reseller" else C.distributor, scope.owner.id)

    def _owned(self, column, owner_id):
        """The customers of ``owner_id`` in the owner ``column``; where the backend lists them
        (``listing``), ``finish`` may read them so instead (``owned``)."""
        condition = self.col(column) == self._bound(column, owner_id)
        self.on_customer.append(condition)
        # "is": a Peewee column's == is an SQL expression, always true.
        if self.listing is not None and self.listing[0] is column and self.listing[1] == owner_id:
            self.owned = (condition, self.listing[2])

    def finish(self, table=None, checked=False):
        """Add the scope and the substring terms; ``table`` is the one the sort reads (S or C).
        ``checked``: the terms are checked on each row read (their ``Term.check``) instead of
        asking the text index for every match first (a walk that stops after a few rows)."""
        if self.owned is not None and (self.match or self._unranged()):
            # A condition no B-tree range finds (a substring under trigrams, a negative one) is
            # tested on each row: the owner's listed customers are read by id and tested, without
            # the customer table where nothing else needs it. A range stays joined to the owner's
            # index ("begins with john": 6,652 entries, index-only, 2.5 ms against 1,518 rows
            # read by id, 7.8), as does the count of the owner's customers alone.
            condition, listing = self.owned
            self.on_customer = [c for c in self.on_customer if c is not condition]
            self.on_search.append(listing)
        if checked and self.match:
            self.on_search.extend(term.check for term in self.match)
            self.match = []
        if self.direct:
            if self.match or self.on_search or table is S or not self.on_customer:
                # Every index of customer_search ends with ``direct``: counts stay index-only.
                # Beside other conditions it only filters, so it never drives the plan.
                if not (self.match or self.on_search):
                    self.on_search.append(self.col(S.direct) == self._bound(S.direct, True))
                else:
                    self.on_search.append(backend().only_filters_direct(S.direct))
            else:
                # Only customer-table conditions and sort: no reason to join the search table.
                no_reseller = self.col(C.reseller)
                # Beside a status other than Active (few customers, as a rule), the status
                # index should drive the count; beside broad conditions (a money range, a
                # currency) reading the direct customers in table order is cheaper than an
                # index range that visits the table at random (balance > 300: 0.18 s vs 1.4 s).
                self.on_customer.append(backend().without_reseller(no_reseller) if self.narrow_status
                                        else no_reseller.is_null())
        if self.match:
            self.on_search.append(backend().terms_condition(self.col(S.customer), self.match, self.direct))
        return self
