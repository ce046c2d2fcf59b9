"""Per-status counts and per-currency money totals of a customer search (issue 13).

Both are answered two ways, with the same result:

* a scope without a search (no text, no condition): from ``customer_tally``, the
  running totals the triggers of migration 0016 keep per owner, status, currency
  and balance control: a sum over a few hundred rows, whatever the table's size;
* a search: one grouped query over its matches, written from the search's compiled
  form like the count and the page (data/search.py); the status groups read the
  status index's expression. A negative text condition is counted as the count
  is: per group, |the rest| - |the rest with the positive form|.

Money is summed in stored units (integers, data/money.py) and turned into Decimal
at the end: exact.
"""
from dataclasses import dataclass
from decimal import Decimal

from peewee import SQL, Table, fn

from .db import db
from .money import SCALE
from .search import _query
from .search_sql import STATUS_SEVERITY, C
from .status import BY_CODE, STATUSES

TALLY = Table("customer_tally", ("reseller_id", "distributor_id", "status", "currency", "balance_control",
                                 "customers", "balance", "available_funds", "credit_limit", "credit_limits"))


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


def _plain(search):
    return not search.q and not search.conditions


def _tally_owners(search):
    """WHERE terms on customer_tally for the search's scope and its viewer's reach."""
    terms = []
    table = TALLY.bind(db)
    if search.scope.kind == "direct":
        terms.append(table.reseller_id == 0)
    elif search.scope.kind in ("reseller", "distributor"):
        terms.append(getattr(table, f"{search.scope.kind}_id") == search.scope.owner.id)
    viewer = search.viewer
    if viewer is not None and viewer.owner_kind:
        terms.append(getattr(table, f"{viewer.owner_kind}_id") == viewer.owner_id)
    return table, terms


def _from_tally(search, keys, sums):
    table, terms = _tally_owners(search)
    columns = [getattr(table, k) for k in keys]
    query = table.select(*columns, *[fn.SUM(getattr(table, s)) for s in sums]).group_by(*columns)
    for term in terms:
        query = query.where(term)
    return [tuple(row) for row in query.tuples()]


def _grouped(search, keys, aggregates):
    """``keys + aggregates`` per group of the search's matches, the negative trick applied."""
    compiled = search.compiled

    def run(**variant):
        parts = compiled.parts_for(**variant).finish()
        query = _query(parts, [*keys, *aggregates], C, *compiled.hinting(False, None)).group_by(*keys)
        return {tuple(row[:len(keys)]): [int(v or 0) for v in row[len(keys):]] for row in query.tuples()}

    if len(compiled.parts.negated) != 1:
        found = run()
    else:
        found = run(skip_negated=True)
        for key, values in run(skip_negated=True, positive=compiled.parts.negated[0]).items():
            found[key] = [a - b for a, b in zip(found[key], values, strict=True)]
    return [(*key, *values) for key, values in found.items()]


def status_counts(search):
    """``{status code: customers}`` of every status, in the spec's priority order (zeros included)."""
    counts = dict.fromkeys(BY_CODE, 0)
    if _plain(search):
        rows = _from_tally(search, ["status"], ["customers"])
    else:
        # Grouped by the index's own expression (then the code), so the status index serves it.
        rows = [(code, n) for _, code, n in _grouped(search, [STATUS_SEVERITY, C.status], [fn.COUNT(SQL("*"))])]
    for code, n in rows:
        counts[code] += int(n)
    return {s.code: counts[s.code] for s in STATUSES}


def money_totals(search):
    """A ``CurrencyTotal`` per currency of the matching customers, by currency code."""
    keys = ["currency", "balance_control"]
    sums = ["customers", "balance", "available_funds", "credit_limit", "credit_limits"]
    if _plain(search):
        rows = _from_tally(search, keys, sums)
    else:
        rows = _grouped(search, [C.currency, C.balance_control],
                        # Stored units: coerce(False) keeps Peewee from reading a SUM as one amount.
                        [fn.COUNT(SQL("*")), fn.SUM(C.balance).coerce(False), fn.SUM(C.available_funds).coerce(False),
                         fn.SUM(C.credit_limit).coerce(False), fn.COUNT(C.credit_limit)])
    found = {}
    for currency, control, customers, balance, funds, limit, limits in rows:
        if not customers:
            continue
        total = found.setdefault(currency, {"customers": 0, "postpaid": 0, "prepaid": 0, "balance": 0,
                                            "available_funds": 0, "credit_limit": 0, "credit_limits": 0})
        total["customers"] += int(customers)
        total["credit_limit"] += int(limit or 0)
        total["credit_limits"] += int(limits or 0)
        if control == "postpaid":
            total["postpaid"] += int(customers)
            total["balance"] += int(balance or 0)
        else:
            total["prepaid"] += int(customers)
            total["available_funds"] += int(funds or 0)
    return [CurrencyTotal(currency, t["customers"], t["postpaid"], t["prepaid"], _amount(t["balance"]),
                          _amount(t["available_funds"]), _amount(t["credit_limit"]), t["credit_limits"])
            for currency, t in sorted(found.items())]
