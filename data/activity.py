"""The activity log (issue 14): every change across customers, newest first.

Read from the history rows (data/history.py writes them). Paged by keyset on
``(at, id)`` descending, never by OFFSET: a page deep in millions of rows costs
what the first one does. Every filter is served by an index that ends in
``(at, id)`` (m0013), so the database reads a page in order without sorting;
a part of a name, which no index serves, may be sorted instead (``NAME_WALK_BUDGET``).
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
from .search_backends import backend
from .text import clean, like_escape

PAGE_SIZE = 50
# Ids are BIGINT: longer numbers can only be part of a name.
_MAX_ID_DIGITS = 18
# A part of a name is checked entry by entry as the log is walked newest first: a common
# part fills a page within a few hundred entries, a rare one (a customer's own name) walks
# every entry, each read through the (at, id) index (a million: 0.7 s on SQLite). Where the
# backend can stop a statement by its own work (SQLite), the walk is tried within this
# budget first (some 35 ms), then the entries are read in table order and the matches
# sorted (0.3 s). A part that fills a page only far down the log costs that 0.35 s too.
NAME_WALK_BUDGET = 300


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
    if _name_part(filters):
        # A part of the name as it was when the change was made (deleted customers too).
        found.append(_contains(History.customer_name, text))
    elif text:
        found.append(History.customer_id == int(text))
    if filters.start:
        found.append(History.at >= datetime.combine(filters.start, time()))
    if filters.end:
        found.append(History.at < datetime.combine(filters.end + timedelta(days=1), time()))
    return found


def _contains(column, text):
    """``column`` contains ``text``, ignoring case as PostgreSQL's ILIKE does (each
    character against its upper and lower case forms, "Ü" as "ü" too)."""
    if is_postgres() or text.isascii():
        operator = "ILIKE" if is_postgres() else "LIKE"
        return NodeList((column, SQL(operator), "%" + like_escape(text) + "%", SQL("ESCAPE '\\'")))
    # SQLite's LIKE ignores the case of ASCII letters only: "müller" missed "MÜLLER GMBH".
    # GLOB is case-sensitive, so each letter becomes the class of its case forms (some 2.4
    # times slower a row than LIKE: a million entries read 0.36 s against 0.15, so only here).
    return NodeList((column, SQL("GLOB"), "*" + case_classes(text) + "*"))


_GLOB_SPECIAL = {"*": "[*]", "?": "[?]", "[": "[[]"}


def case_classes(text):
    """A GLOB pattern matching ``text`` whatever the case of each character: ``Ab*``
    -> ``[Aa][Bb][*]`` (a form longer than one character, as "ß".upper(), is left out)."""
    pattern = []
    for char in text:
        forms = {form for form in (char, char.lower(), char.upper(), char.title()) if len(form) == 1}
        # Letters are never GLOB's special characters, so a class of them needs no escaping.
        pattern.append("[" + "".join(sorted(forms)) + "]" if len(forms) > 1 else _GLOB_SPECIAL.get(char, char))
    return "".join(pattern)


def _name_part(filters):
    """True when ``filters`` look for a part of a customer's name (not an id)."""
    text = clean(filters.customer)
    return bool(text) and not (text.isdigit() and len(text) <= _MAX_ID_DIGITS)


def query(who, filters, before=None, after=None, walk=True):
    """The entries ``who`` may see that match ``filters``, newest first (oldest first
    with ``after``), strictly past the cursor ``before`` (older) or ``after`` (newer).

    ``walk`` False (SQLite only): the order is written so that no index serves it, and
    the matches are sorted instead of met by walking an index in that order."""
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
    keys = [History.at, History.id]
    if not walk:
        keys = [NodeList((SQL("+"), key), glue="") for key in keys]
    if after is not None:
        return select.order_by(*[key.asc() for key in keys])
    return select.order_by(*[key.desc() for key in keys])


def _rows(who, filters, limit, before=None, after=None, tuples=False):
    """``query(...).limit(limit)`` read as model instances (named tuples with ``tuples``).

    A part of a name on SQLite: the walk in the log's order within NAME_WALK_BUDGET, then,
    if it was stopped, the matches sorted."""
    select = query(who, filters, before, after).limit(limit)
    if _name_part(filters) and backend().steers_planner:
        found = backend().rows_within(*select.select(History.id).sql(), NAME_WALK_BUDGET)
        if found is None:
            select = query(who, filters, before, after, walk=False).limit(limit)
        else:
            ids = [entry_id for (entry_id,) in found]
            read = History.select().where(History.id.in_(ids))
            by_id = {row.id: row for row in (read.namedtuples() if tuples else read)}
            return [by_id[entry_id] for entry_id in ids if entry_id in by_id]
    return list(select.namedtuples() if tuples else select)


def page(who, filters, before=None, after=None, size=PAGE_SIZE):
    """One page of the log for ``who``: the newest entries, or those just older than
    ``before``, or just newer than ``after``."""
    rows = _rows(who, filters, size + 1, before, after)
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
        rows = _rows(who, filters, size, before=cursor, tuples=True)
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

