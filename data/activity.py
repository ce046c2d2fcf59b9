"""The activity log (issue 14): every change across customers, newest first.

Read from the history rows (data/history.py writes them). Paged by keyset on
``(at, id)`` descending, never by OFFSET: a page deep in millions of rows costs
what the first one does. Every filter is served by an index that ends in
``(at, id)`` (m0013), so the database reads a page in order without sorting.
Staff see only the rows about their own customers: the owners are copied on each
row when it is written, so a deleted customer's history stays in their reach.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from peewee import SQL, NodeList

from .access import as_viewer
from .bulk_records import ACTOR_SUFFIX, bulk_actors
from .db import db, is_postgres
from .records import History, User
from .text import clean, like_escape

PAGE_SIZE = 50
# Ids are BIGINT: longer numbers can only be part of a name.
_MAX_ID_DIGITS = 18


class BadFilter(ValueError):
    """A filter value the log cannot use; ``param`` names it, ``message`` says why."""

    def __init__(self, param, message):
        super().__init__(f"{param}: {message}")
        self.param, self.message = param, message


@dataclass(frozen=True)
class Filters:
    """What the log shows: each one empty means "any"; ``start``/``end`` are UTC dates, inclusive."""
    user: str = ""
    action: str = ""
    source: str = ""
    customer: str = ""
    start: date | None = None
    end: date | None = None

    def __post_init__(self):
        if self.start and self.end and self.start > self.end:
            raise BadFilter("from", "must not be after “to”")


@dataclass(frozen=True)
class Cursor:
    """A place in the log: the ``(at, id)`` of an entry; pages start just past it."""
    at: datetime
    id: int

    def text(self):
        """The cursor as a URL parameter: ``20261126T164917.123456-42``."""
        return f"{self.at:%Y%m%dT%H%M%S.%f}-{self.id}"

    @classmethod
    def parse(cls, text):
        """The cursor written by ``text``; ``BadFilter`` for anything else."""
        moment, _, number = (text or "").partition("-")
        try:
            return cls(datetime.strptime(moment, "%Y%m%dT%H%M%S.%f"), int(number))
        except ValueError:
            raise BadFilter("page", "this page link is damaged; start again from the newest entries") from None

    @classmethod
    def of(cls, row):
        return cls(row.at, row.id)


@dataclass
class Page:
    """One page of entries, newest first, and the cursors to the pages either side (None: no more)."""
    rows: list
    newer: Cursor | None
    older: Cursor | None


def parse_date(param, text):
    """A ``YYYY-MM-DD`` date from a form field (empty: None); ``BadFilter`` otherwise."""
    text = clean(text)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadFilter(param, f"“{text[:30]}” is not a date (YYYY-MM-DD)") from None


def _conditions(who, filters):
    viewer = as_viewer(who)
    found = []
    reach = viewer.reach(History)
    if reach is not None:
        found.append(reach)
    if filters.user:
        # A user's bulk jobs write under names of their own ("alice (bulk job #12)"):
        # choosing "alice" lists those too. Equalities, so the actor index serves each.
        found.append(History.actor.in_([filters.user] + bulk_actors(filters.user)))
    if filters.action:
        found.append(History.action == filters.action)
    if filters.source:
        found.append(History.source == filters.source)
    text = clean(filters.customer)
    if text.isdigit() and len(text) <= _MAX_ID_DIGITS:
        found.append(History.customer_id == int(text))
    elif text:
        # A part of the name as it was when the change was made (deleted customers too).
        found.append(_contains(History.customer_name, text))
    if filters.start:
        found.append(History.at >= datetime.combine(filters.start, time()))
    if filters.end:
        found.append(History.at < datetime.combine(filters.end + timedelta(days=1), time()))
    return found


def _contains(column, text):
    """``column`` contains ``text``, ignoring case (SQLite's LIKE ignores ASCII case only)."""
    operator = "ILIKE" if is_postgres() else "LIKE"
    return NodeList((column, SQL(operator), "%" + like_escape(text) + "%", SQL("ESCAPE '\\'")))


def query(who, filters, before=None, after=None):
    """The entries ``who`` may see that match ``filters``, newest first (oldest first
    with ``after``), strictly past the cursor ``before`` (older) or ``after`` (newer)."""
    select = History.select()
    conditions = _conditions(who, filters)
    # Written as "at <= x AND (...)" rather than a row comparison: both backends then
    # read an index range that starts at the cursor.
    if before is not None:
        conditions.append((History.at <= before.at) & ((History.at < before.at) | (History.id < before.id)))
    if after is not None:
        conditions.append((History.at >= after.at) & ((History.at > after.at) | (History.id > after.id)))
    for condition in conditions:
        select = select.where(condition)
    if after is not None:
        return select.order_by(History.at.asc(), History.id.asc())
    return select.order_by(History.at.desc(), History.id.desc())


def page(who, filters, before=None, after=None, size=PAGE_SIZE):
    """One page of the log for ``who``: the newest entries, or those just older than
    ``before``, or just newer than ``after``."""
    rows = list(query(who, filters, before, after).limit(size + 1))
    more = len(rows) > size
    rows = rows[:size]
    if after is not None:
        rows.reverse()
        newer_exists, older_exists = more, True
    else:
        newer_exists, older_exists = before is not None, more
    if not rows:
        # Past either end (entries gone, or a stale link): nothing to go to but the newest.
        return Page([], None, None)
    return Page(rows, Cursor.of(rows[0]) if newer_exists else None,
                Cursor.of(rows[-1]) if older_exists else None)


def batches(who, filters, size=2000):
    """Every matching entry, newest first, in lists of up to ``size`` (for the CSV):
    keyset pages, so memory stays flat and no query reads past what it returns."""
    cursor = None
    while True:
        # Plain named tuples (no model instances): the CSV reads a million of them.
        rows = list(query(who, filters, before=cursor).limit(size).namedtuples())
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        cursor = Cursor.of(rows[-1])


def _distinct(column, limit=200):
    """The distinct values of an indexed ``column``, read as a loose index scan (one
    index probe per value, not a pass over millions of rows)."""
    table, name = History._meta.table_name, column.column_name
    sql = (f"WITH RECURSIVE seen(v) AS ("
           f" SELECT MIN({name}) FROM {table}"
           f" UNION ALL SELECT (SELECT MIN({name}) FROM {table} WHERE {name} > seen.v) FROM seen"
           f" WHERE seen.v IS NOT NULL)"
           f" SELECT v FROM seen WHERE v IS NOT NULL LIMIT {int(limit)}")
    return [value for (value,) in db.execute_sql(sql).fetchall()]


def actions():
    """Every action the log holds, in alphabetical order (for the action filter)."""
    return _distinct(History.action)


def users(who):
    """Names the user filter offers ``who``: staff, their colleagues (users of the same
    reseller or distributor); the operator's people, everyone who ever made a change
    (users, maintenance, imports)."""
    viewer = as_viewer(who)
    if viewer.owner_kind:
        return [name for (name,) in User.select(User.name).where(User.owner == viewer.owner_id)
                .order_by(User.name).tuples()]
    # A bulk job's name stands for its user (one entry per person, not one per job); the
    # scan reads well past the 200 offered so that hundreds of jobs cannot crowd people out.
    names = dict.fromkeys(ACTOR_SUFFIX.sub("", name) for name in _distinct(History.actor, limit=2000))
    return list(names)[:200]

