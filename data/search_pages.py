"""The page of a customer search: its order, how its ids are found, its rows.

A page is found in two steps: the ids of the page (narrow, index-only where
possible), then the rows for those ids (``search.rows_for``). Where the backend
steers the planner (SQLite), the count decides: few hits are fetched and sorted,
many hits are met by walking the sort column's index (unary ``+`` keeps the
planner off the other indexes). Where it does not (PostgreSQL), a deep page of
many hits may be sorted from the matches instead (``_fenced_ids``).

A page also gives the sort keys of its first and last rows: the next page is found
from the last one on (keyset, ``Seek``), so page 200 reached by Next costs what
page 2 does, where an OFFSET walks past the 9,950 matches before it.

How a walk of the sort index meets its matches (the terms checked on each row it passes,
within a budget, or the text index's matches listed once) is data/page_walks.py.
"""
from peewee import SQL, NodeList, Select, fn

from . import gram_counts
from .db import db
from .page_seek import bound_keys, edge_keys, seek_conditions
from .page_walks import checked_walk_budget, customer_checked_per_row, kept_matches
from .paging import Page
from .search import count, rows_for
from .search_backends import backend
from .search_query import query_for
from .search_sql import STATUS_SEVERITY, C, S

# Below this many hits the page is fetched and sorted; above it the sort index is walked.
SORT_HITS_LIMIT = 5000
TEXT_SORTS = {"name": S.sort_name, "email": S.email}
CUSTOMER_SORTS = {"currency": C.currency, "balance_control": C.balance_control,
                  "available_funds": C.available_funds, "balance": C.balance,
                  "credit_limit": C.credit_limit, "status": STATUS_SEVERITY}
# Balance means something for postpaid customers, Available funds for prepaid ones:
# sorted by either, the customers it does not apply to come last in both directions.
APPLIES_TO = {"balance": "postpaid", "available_funds": "prepaid"}


def find_page(search, sort=("name", False), page=1, per_page=50, seek=None):
    """One page of matches, sorted, with the total; a page past the end is the last page.

    ``seek`` (a ``Seek``): the page is the ``per_page`` matches after (or before) that row,
    found from it on instead of counted from the start, and numbered ``page`` as asked.
    A seek that does not fit this sort, or finds no full page (the rows changed meanwhile),
    is left aside: the page is then found by its number. The page's ``first_keys`` and
    ``last_keys`` are set where its sort can seek (``seeks``)."""
    found = _sought_page(search, sort, page, per_page, seek) if seek is not None else None
    if found is None and search.compiled.driver is not None and sort[0] not in APPLIES_TO:
        found = _driven_page(search, sort, page, per_page)
    if found is None:
        found = _windowed_page(search, sort, page, per_page)
    if found is None:
        with kept_matches(search, sort, page * per_page):
            total = count(search)
            pages = max(1, -(-total // per_page))
            page = min(page, pages)
            ids = _page_ids(search, sort, (page - 1) * per_page, per_page, total) if total else []
        found = Page(rows_for(ids), total, page, per_page)
    if found.pages > 1 and found.rows and seeks(search, sort):
        keys, _, table = _sort_keys(sort, hint=False)
        found.first_keys, found.last_keys = edge_keys(keys, table, S.customer if table is S else C.id,
                                                      found.rows[0].id, found.rows[-1].id, APPLIES_TO.get(sort[0]))
    return found


def seeks(search, sort):
    """True when a page of ``search`` in ``sort`` can be found from a neighbour's row (``Seek``).

    Not for the sort with a nullable key (credit limit: a row value holding NULL compares
    as unknown, and the rows past it were lost), nor where a B-tree range drives the search
    (its pages read at most search_driver.DRIVER_ROWS rows whatever their depth)."""
    return search.compiled.driver is None and sort[0] != "credit_limit"


def _parts(search, sort):
    """The walks of ``sort`` in order, each a customer condition or None (all in one walk):
    balance and available funds walk the customers they apply to first, then the others.
    The first is a range of the index led by the balance control (migration 0023), so its
    condition is not hinted away from it."""
    if sort[0] not in APPLIES_TO:
        return [None]
    kind = APPLIES_TO[sort[0]]
    return [C.balance_control == kind, search.compiled.applies(kind, "is_not")]


def _sought_page(search, sort, page, per_page, seek):
    if not seeks(search, sort):
        return None
    keys, descending, table = _sort_keys(sort, hint=False)
    parts, values, at = _parts(search, sort), seek.keys, 0
    if len(parts) > 1:  # which walk the row is in leads its keys (page_seek.edge_keys)
        if not values or values[0] not in (0, 1):
            return None
        at, values = int(values[0] == 0), values[1:]
    bound = bound_keys(keys, values)
    if bound is None:
        return None
    total = count(search)
    last_page = max(1, -(-total // per_page))
    if page > last_page:
        return None
    # Before a row: walk the other way from it, then turn the page round. The row's own walk
    # goes on from the row; the walks after it (before it, for Previous) from their start.
    walk = (sort[0], descending != (not seek.after))
    own, *later = parts[at:] if seek.after else parts[at::-1]
    steps = [(own, past) for past in seek_conditions(keys, bound, seek.after != descending, table)]
    ids = []
    for part, past in steps + [(part, None) for part in later]:
        ids += _sorted_ids(search, walk, 0, per_page - len(ids), total, () if part is None else (part,), seek=past)
        if len(ids) == per_page:
            break
    if len(ids) < per_page and not (seek.after and ids and page == last_page):
        return None  # rows came or went since the link was made: count the page out instead
    return Page(rows_for(ids if seek.after else ids[::-1]), total, page, per_page)


def _driven_page(search, sort, page, per_page):
    """The page and the total in one statement, where a B-tree range drives the search
    (``Compiled.driver``): it reads at most search_driver.DRIVER_ROWS rows, every condition
    checked on them (a negative one too: no count by subtraction), and the count comes with
    the sorted page (a window over the matches) instead of reading the range a second time.
    None for a page past the end (the caller counts, and finds the last page)."""
    compiled = search.compiled
    order, table = _order(sort, hint=True)
    id_column = S.customer if table is S else C.id
    parts = compiled.finish(compiled.parts_for(), table)
    query = (query_for(parts, [id_column, fn.COUNT(SQL("*")).over()], table, *compiled.hinting(False, None))
             .order_by(*order).offset((page - 1) * per_page).limit(per_page))
    found = query.tuples()[:]
    if not found and page > 1:
        return None
    total = found[0][1] if found else 0
    return Page(rows_for([customer_id for customer_id, _ in found]), total, page, per_page)


def _bound(search, sort, page, per_page):
    """How many matches at most the kept trigram counts (data/gram_counts.py) allow, where
    that many are sure to have ``page`` sorted from them by a backend that does not steer its
    planner (``_sorted_ids``): few of them, or page 1 of more whose sort costs less than a
    walk beside their count, which the sorted page brings along (a later page may be walked
    from the end); else None. The fewest holders of a trigram of a substring every match
    holds (``Parts.bounds``) are at least as many as the matches."""
    compiled = search.compiled
    bounds = compiled.parts.bounds
    if backend().steers_planner or not bounds or sort[0] in APPLIES_TO or search.counted_gram() is not None:
        return None
    bound = min(gram_counts.fewest(grams, compiled.parts.direct) for grams in bounds)
    if bound <= SORT_HITS_LIMIT or (
            page == 1 and backend().sorts_deep_page(per_page, bound, search.table_rows, counted=True)):
        return bound
    return None


def _windowed_page(search, sort, page, per_page):
    """Where ``_bound`` knows the matches are few: the page sorted from them and their count
    in one statement (a window over them, ``_fenced_ids``), or no statement when no customer
    holds one of the grams. PostgreSQL found the matches of "müller" by their trigram indexes
    twice, for the count and for the page (7 and 8 ms at a million customers). None where
    nothing is known, or for a page past the end (the caller counts, and finds the last page)."""
    bound = _bound(search, sort, page, per_page)
    if bound is None:
        return None
    if bound == 0:
        return Page([], 0, 1, per_page)
    compiled = search.compiled
    parts = compiled.finish(compiled.parts_for(), _sort_keys(sort, hint=False)[2])
    found = _fenced_ids(parts, sort, (page - 1) * per_page, per_page, counted=True)
    if not found and page > 1:
        return None
    total = found[0][1] if found else 0
    return Page(rows_for([customer_id for customer_id, _ in found]), total, page, per_page)


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
    """The ids of the page ``offset`` matches in. Nearer the end of the matches, walked from
    there, the other way (the last page of "son" at a million passed 172,000 matches from
    the start: 350 ms, against 22 for page 1)."""
    key, descending = sort
    after = total - offset - limit   # matches after the page
    if after < offset:
        back = _walks(search, (key, not descending), max(0, after), min(limit, total - offset), total,
                      _parts(search, sort)[::-1])
        return back[::-1]
    return _walks(search, sort, offset, limit, total, _parts(search, sort))


def _walks(search, sort, offset, limit, total, parts):
    """``_sorted_ids`` through the walks ``parts`` (``_parts``) one after the other, as one.
    Two index-served walks of the same sort index for balance and available funds (a single
    ORDER BY with the split first would need one index per direction)."""
    if parts == [None]:
        return _sorted_ids(search, sort, offset, limit, total)
    first, rest = parts
    ids = _sorted_ids(search, sort, offset, limit, total, (first,))
    if len(ids) < limit:
        # Counted only when the page reaches the others: then the offset into them is needed.
        before = offset + len(ids) if ids else count(search, (first,))
        ids += _sorted_ids(search, sort, max(0, offset - before), limit - len(ids), total, (rest,))
    return ids


def _sorted_ids(search, sort, offset, limit, total, extra=(), seek=None):
    """The ids of the page, ``offset`` matches in; ``seek``: only the matches past a row
    (one of ``page_seek.seek_conditions``)."""
    steer = backend().steers_planner
    # Few hits (or, where the backend says so, a deep page of many): let the filters' indexes
    # find the matches, then sort them. Many hits: keep the planner off the filter indexes
    # so it walks the sort index (page 1 of a broad search stops after a few hundred rows).
    few = total <= SORT_HITS_LIMIT
    sort_column = TEXT_SORTS.get(sort[0]) or CUSTOMER_SORTS[sort[0]]
    table = _sort_keys(sort, hint=False)[2]
    compiled = search.compiled
    id_column = S.customer if table is S else C.id
    if seek is not None:
        past = seek(steer and few)
        extra_search, extra = ([past], extra) if table is S else ([], (*extra, past))
    else:
        extra_search = []

    def parts_for():
        parts = compiled.parts_for(extra)
        parts.on_search.extend(extra_search)
        return parts

    def walk(parts, walking=not few):
        # ``walking``: down the sort index (its order unhinted, the filters hinted away);
        # else the matches found by the filters' indexes, then sorted.
        if steer and walking and table is S:
            parts = customer_checked_per_row(parts)
        order = _order(sort, hint=steer and not walking)[0]
        return (query_for(parts, [id_column], table, *compiled.hinting(steer and walking, sort_column))
                .order_by(*order).offset(offset).limit(limit))

    budget = checked_walk_budget(parts_for(), sort, offset + limit, total, few) if steer else None
    if budget is not None:
        rows = backend().rows_within(*walk(parts_for().finish(table, checked=True), walking=True).sql(), budget)
        if rows is not None:
            return [customer_id for (customer_id,) in rows]
    parts = compiled.finish(parts_for(), table) if few else parts_for().finish(table)
    # Where the planner is not steered, few hits are sorted from the matches too: PostgreSQL
    # guesses a LIKE pattern's hits from samples and walked the name index past 100,000 rows
    # for "name contains eric" (its matches cluster at "Eric ...").
    if (few and not steer) or (not few and backend().sorts_deep_page(offset + limit, total, search.table_rows)):
        return _fenced_ids(parts, sort, offset, limit)
    return [customer_id for (customer_id,) in walk(parts).tuples()]


def _fenced_ids(parts, sort, offset, limit, counted=False):
    """The page sorted from the matches, found by the filters' own indexes (a deep page
    where ``SearchBackend.sorts_deep_page``); ``counted``: ``(id, count of every match)`` pairs.

    PostgreSQL's planner, estimating matches in the hundreds of thousands, walks the sort
    index even for page 200 (a second for "son"); ``OFFSET 0`` makes the matches a subquery
    planned on its own (bitmap scans of the trigram indexes), sorted outside it. The
    ORDER BY is the same, so the page is too.
    """
    keys, descending, table = _sort_keys(sort, hint=False)
    names = [f"k{n}" for n in range(len(keys))]
    aliased = [k.alias(name) for k, name in zip(keys, names, strict=True)]
    matches = query_for(parts, aliased, table).offset(0).alias("matches")
    order = [getattr(matches.c, name) for name in names]
    columns = [order[-1], fn.COUNT(SQL("*")).over()] if counted else [order[-1]]
    query = (Select([matches], columns).bind(db)
             .order_by(*[k.desc() if descending else k.asc() for k in order]).offset(offset).limit(limit))
    found = db.execute_sql(*query.sql()).fetchall()
    return found if counted else [customer_id for (customer_id,) in found]
