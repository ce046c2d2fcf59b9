"""Per-status counts and per-currency money totals of a customer search (issue 13).

Both are answered two ways, with the same result:

* from ``customer_tally``, the running totals the triggers of migration 0016 keep per
  owner key, status, currency and balance control, whenever the search is a scope with
  at most conditions on those columns (the list itself, a chip's status filter): a sum
  over a few dozen rows, whatever the table's size;
* otherwise one grouped query over the matches, written from the search's compiled form
  like the count (data/search.py) and the page; the status groups read the status
  index's expression. A negative text condition is counted as the count is: per group,
  |the rest| - |the rest with the positive form|, the rest from the tally where it can;
  conditions on amounts that most of the scope passes likewise, as the tally less the
  customers that fail them (SQLite: fewer to sort).

Money is summed in stored units (integers, data/money.py) and turned into Decimal
at the end: exact.
"""
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import and_

from peewee import SQL, Case, NodeList, Table, fn

from .db import db
from .money import SCALE
from .search import mostly_passing, summary_source_for
from .search_backends import backend
from .search_query import NEGATIVE_TEXT_OPS, Search, query_for
from .search_sql import STATUS_SEVERITY, C
from .status import BY_CODE, STATUSES

TALLY = Table("customer_tally", ("owner_kind", "owner_id", "status", "currency", "balance_control",
                                 "customers", "balance", "available_funds", "credit_limit", "credit_limits"))
# The owner keys of customer_tally (migration 0016) per scope kind: all, reseller (0: direct), distributor.
_KINDS = {"all": "a", "direct": "r", "reseller": "r", "distributor": "d"}
# Conditions customer_tally can answer: those on its own columns.
_TALLIED = {("status", "is"), ("status", "is_not"), ("status", "in"), ("currency", "is"), ("currency", "is_not"),
            ("balance_control", "is"), ("balance_control", "is_not")}


@dataclass(frozen=True)
class CurrencyTotal:
    """The money of the matching customers in one currency."""
    currency: str
    customers: int = 0
    postpaid: int = 0                      # customers the balance applies to
    prepaid: int = 0                       # customers the available funds apply to
    balance: Decimal = Decimal(0)          # of the postpaid customers
    available_funds: Decimal = Decimal(0)  # of the prepaid customers
    credit_limit: Decimal = Decimal(0)     # of the customers that have one
    credit_limits: int = 0                 # how many have one (the others: no limit)


def _amount(units):
    return Decimal(int(units or 0)).scaleb(-SCALE)


def _owner_key(search):
    """The one owner key of customer_tally that holds the search's scope within its viewer's
    reach, or None when scope and reach cut across each other (then the customers are read)."""
    scope = search.scope
    key = (_KINDS[scope.kind], scope.owner.id if scope.owner else 0)
    viewer = search.viewer
    if viewer is None or not viewer.owner_kind:
        return key
    reach = (_KINDS[viewer.owner_kind], viewer.owner_id)
    return reach if scope.kind == "all" or key == reach else None


def _tally_terms(search):
    """WHERE terms on customer_tally answering ``search``, or None when it cannot: it has text
    to find, or a condition on anything but the status, the currency and the balance control."""
    key = _owner_key(search)
    if search.q or key is None or any((c.field, c.op) not in _TALLIED for c in search.conditions):
        return None
    table = TALLY.bind(db)
    terms = [table.owner_kind == key[0], table.owner_id == key[1]]
    for c in search.conditions:
        column = getattr(table, c.field)
        values = c.value if c.op == "in" else (c.value,)
        terms.append(column.not_in(values) if c.op == "is_not" else column.in_(values))
    return table, terms


def _from_tally(search, keys, sums):
    """``keys`` then ``sums(table)`` (aggregates over customer_tally) per group from
    customer_tally, or None when it cannot answer ``search``."""
    found = _tally_terms(search)
    if found is None:
        return None
    table, terms = found
    columns = [getattr(table, k) for k in keys]
    query = table.select(*columns, *sums(table)).where(*terms).group_by(*columns)
    return [tuple(row) for row in query.tuples()]


def _without_negative(search):
    """The search without its one negative text condition (Is not, Does not contain, Is not
    empty), or None when it has not exactly one."""
    negative = [c for c in search.conditions if c.spec.kind == "text" and c.op in NEGATIVE_TEXT_OPS]
    if len(negative) != 1:
        return None
    rest = tuple(c for c in search.conditions if c is not negative[0])
    return Search(search.scope, search.q, rest, search.viewer)


def _groups(search, tally, select, group_by):
    """Rows of group columns then sums for the search's matches: from customer_tally where it
    can answer (``tally``: its key and sum columns), else one grouped query (``select``: the
    columns and aggregates, ``group_by``), a negative text condition counted by subtraction
    (the rest, from the tally where it can answer that)."""
    rows = _from_tally(search, *tally)
    if rows is not None:
        return rows
    compiled = search.compiled
    width = len(tally[0])

    def run(source=compiled, **variant):
        summary = summary_source_for(search)
        parts = _on_customers(source, source.parts_for(**variant))
        query = query_for(parts, select, C, *source.hinting(False, None), customers=summary)
        # Through the summary index no index serves the grouping: the plain columns, fewer
        # expressions a row (the status severity adds a CASE per match).
        query = query.group_by(*(group_by if summary is None else select[:width]))
        return {tuple(row[:width]): [int(v or 0) for v in row[width:]] for row in query.tuples()}

    complement = _complement(search)
    if complement is not None:
        # Most of the scope passes its conditions on amounts: the tally, less those that fail them.
        rest, failing = complement
        found = {tuple(row[:width]): [int(v or 0) for v in row[width:]] for row in _from_tally(rest, *tally)}
        for key, values in run(rest.compiled, extra=(failing,)).items():
            found[key] = [a - b for a, b in zip(found[key], values, strict=True)]
        return [(*key, *values) for key, values in found.items()]
    if len(compiled.parts.negated) != 1:
        return [(*key, *values) for key, values in run().items()]
    rest_search = _without_negative(search)
    rest = _from_tally(rest_search, *tally) if rest_search is not None else None
    found = ({tuple(row[:width]): [int(v or 0) for v in row[width:]] for row in rest} if rest is not None
             else run(skip_negated=True))
    for key, values in run(skip_negated=True, positive=compiled.parts.negated[0]).items():
        found[key] = [a - b for a, b in zip(found[key], values, strict=True)]
    return [(*key, *values) for key, values in found.items()]


def _complement(search):
    """``(rest, failing)`` when the search is summed best as the tally of ``rest`` (the search
    without its conditions on amounts and the like) less the customers that fail those
    (``failing``: a customer condition, within ``rest``'s scope and conditions); else None.

    So when nothing but the tally's columns and the summary index's amounts are asked about,
    and a spread sample says most of the scope passes the amounts: "balance > 300" keeps
    670,000 of 783,000 direct customers at a million, whose sort by currency or status was
    most of the time (totals 319 ms, chips 174); the 113,000 others take 91 and 65 ms."""
    if search.q or any(c.spec.kind == "text" for c in search.conditions) or summary_source_for(search) is None:
        return None
    tallied = tuple(c for c in search.conditions if (c.field, c.op) in _TALLIED)
    rest = Search(search.scope, "", tallied, search.viewer)
    on_customer = search.compiled.parts.on_customer
    # Without a reach or an owner's scope, the customer conditions are the search's own, in order.
    if len(tallied) == len(search.conditions) or len(on_customer) != len(search.conditions):
        return None
    if _tally_terms(rest) is None:
        return None
    amounts = reduce(and_, [expression for c, expression in zip(search.conditions, on_customer, strict=True)
                            if (c.field, c.op) not in _TALLIED])
    if not mostly_passing(rest, amounts):
        return None
    return rest, Case(None, [(amounts, 0)], 1) == 1


def _on_customers(compiled, parts):
    """``parts`` finished for a query of the customer table alone where it can be: substring
    terms of the backend's text index (and the direct scope they carry) then select customer
    ids directly, instead of joining customer_search only to match its ids (a second row
    read per match: most of the time of "son" at 100,000 customers)."""
    if not parts.match or parts.on_search:
        return compiled.finish(parts)
    terms, direct = parts.match, parts.direct
    parts.match, parts.direct = [], False
    parts.finish()
    parts.on_customer.append(backend().terms_condition(C.id, terms, direct))
    return parts


def _unsteered(column):
    """SQLite: a group column no index can serve (``+column``), so the planner finds the matches
    through the filters' indexes instead of walking, say, the currency index past every row."""
    return NodeList((SQL("+"), column), glue="") if backend().steers_planner else column


def status_counts(search):
    """``{status code: customers}`` of every status, in the spec's priority order (zeros included)."""
    counts = dict.fromkeys(BY_CODE, 0)
    # Grouped by the status index's own expression (then the code), so that index serves it.
    rows = _groups(search, (["status"], lambda t: [fn.SUM(t.customers)]), [C.status, fn.COUNT(SQL("*"))],
                   [STATUS_SEVERITY, C.status])
    for code, n in rows:
        counts[code] += int(n)
    return {s.code: counts[s.code] for s in STATUSES}


def _postpaid(table, value, otherwise=0):
    """``value`` for a postpaid group or customer, else ``otherwise``: the amounts are summed
    per currency in one group, with no second sort key (at 135,000 matches, grouping by
    currency and balance control as well cost as much as reading them)."""
    return Case(None, [(table.balance_control == "postpaid", value)], otherwise)


def _tally_money(t):
    return [fn.SUM(t.customers), fn.SUM(_postpaid(t, t.customers)), fn.SUM(_postpaid(t, t.balance)),
            fn.SUM(_postpaid(t, 0, t.available_funds)), fn.SUM(t.credit_limit), fn.SUM(t.credit_limits)]


def money_totals(search):
    """A ``CurrencyTotal`` per currency of the matching customers, by currency code."""
    # Stored units: coerce(False) keeps Peewee from reading a SUM as one amount.
    select = [C.currency, fn.COUNT(SQL("*")), fn.SUM(_postpaid(C, 1)), fn.SUM(_postpaid(C, C.balance)).coerce(False),
              fn.SUM(_postpaid(C, 0, C.available_funds)).coerce(False), fn.SUM(C.credit_limit).coerce(False),
              fn.COUNT(C.credit_limit)]
    rows = _groups(search, (["currency"], _tally_money), select, [_unsteered(C.currency)])
    return [CurrencyTotal(currency, int(customers), int(postpaid or 0), int(customers) - int(postpaid or 0),
                          _amount(balance), _amount(funds), _amount(limit), int(limits or 0))
            for currency, customers, postpaid, balance, funds, limit, limits in sorted(rows) if customers]
