"""A page's walk of the sort index and what it checks as it goes: the substring terms on
each row it passes, within a budget, instead of the text index listing every match first
(``checked_walk_budget``); the customer conditions on each row instead of a join
(``customer_checked_per_row``); and, where the text index does list its matches, that list
made once for both the count and the page (``kept_matches``).

data/search_pages.py finds a page with these.
"""
from contextlib import nullcontext
from dataclasses import replace

from peewee import SQL, fn

from . import gram_counts
from .search_backends import backend
from .search_sql import C, S

# A walk of the sort index expected to pass at most this many rows first tries checking the
# substring terms on each row instead of having the text index list every match (``checked_walk_budget``),
# for at most CHECKED_WALK_BUDGET thousand steps of the database (some 1,000-5,000 rows: the
# matches of a term can bunch up in the sort order, as names containing "eric" do).
CHECKED_WALK_ROWS = 2000
CHECKED_WALK_BUDGET = 60
# The same, where every term is on the name and nothing else is checked (``Term.in_sort_index``):
# an entry of the sort index is tested without reading its row, some 0.07 us against 2 us.
# SQLite's steps count both alike: 400 thousand are some 57,000 entries, about 5 ms when few
# pass the key test (as for "eric"), up to some 110 ms in the unlikely case that most pass it
# and fail the name's own (a row read each) before the text index is asked instead.
INDEX_CHECKED_WALK_ROWS = 40_000
INDEX_CHECKED_WALK_BUDGET = 400
# Matches of the text index listed once for the count and the page when there are no more
# (``kept_matches``): a search for one customer's e-mail evaluated its phrase twice. Listing
# this many of a broader search before counting it costs a fraction of the count.
FEW_MATCHES = 100


def customer_checked_per_row(parts):
    """``parts`` with their customer-table conditions checked in a correlated EXISTS on
    each row the walk of customer_search's sort index passes, instead of a join.

    Joined, SQLite (3.38+) builds a Bloom filter of the customers that pass those
    conditions before walking: a scan of the whole table for page 1 of "balance > 300"
    in "All customers" (200 ms at a million customers, for some 60 rows walked)."""
    if not parts.on_customer:
        return parts
    checked = fn.EXISTS(C.select(SQL("1")).where(C.id == S.customer, *parts.on_customer))
    return replace(parts, on_search=[*parts.on_search, checked], on_customer=[])


def kept_matches(search, sort, reach):
    """The backend's ``keeping_matches`` for a page ending at the ``reach``-th match whose walk
    will need every match of the substring terms (no walk checking them on each row it passes
    can reach that far, ``checked_walk_budget``), so that the count and the walk list them
    once between them; for a nearer page, those matches if there are at most FEW_MATCHES
    (then listed, counted and sorted once); else nothing kept. Not where the count is kept
    (``Search.counted_gram``)."""
    compiled = search.compiled
    parts = compiled.parts
    if not parts.match or compiled.small is not None or compiled.driver is not None:
        return nullcontext()
    if search.counted_gram() is not None:
        return nullcontext()
    in_index = _index_checked(parts, sort)
    if reach <= (INDEX_CHECKED_WALK_ROWS if in_index else CHECKED_WALK_ROWS):
        if not in_index and _never_walked(parts, reach):
            return backend().keeping_matches(parts.match, parts.direct)
        return backend().keeping_matches(parts.match, parts.direct, few=FEW_MATCHES)
    return backend().keeping_matches(parts.match, parts.direct)


def _never_walked(parts, reach):
    """True when the terms' matches are known to be more than FEW_MATCHES but too few for
    a walk checking them on each row (``checked_walk_budget``): the count lists them, and
    the page lists them again. "johnson" at a million (14,764 matches): the phrase of five
    trigrams took 11 ms each time. What a trigram's holders number (data/gram_counts.py)
    bounds the matches of a term holding it."""
    grams = [term.grams for term in parts.match]
    if not all(grams):
        return False
    bound = min(gram_counts.fewest(term_grams, parts.direct) for term_grams in grams)
    return FEW_MATCHES < bound and bound * CHECKED_WALK_ROWS < reach * gram_counts.count("", False)


def _index_checked(parts, sort):
    """True when a walk of the name's sort index tests every term in the index entry itself."""
    return (sort[0] == "name" and not (parts.on_search or parts.on_customer)
            and all(term.in_sort_index for term in parts.match))


def checked_walk_budget(parts, sort, reach, total, few=False):
    """The budget of a walk of the sort index checking the substring terms on each row it
    passes, or None when the text index should list every match first instead: the walk is
    tried when, to the ``reach``-th of ``total`` matches, it should pass so few rows (matches
    spread evenly) that it costs less. An FTS5 match of "yahoo" at a million customers lists
    153,000 ids (some 60 ms) before the walk can start, while its first page is met within
    some 330 rows (1 ms). Where the terms are tested in the name's sort index
    (``Term.in_sort_index``), rows the walk passes cost far less, and it goes further: even
    for ``few`` matches (which are otherwise listed by the text index and sorted), "name ends
    with son" at a million (1,538) sorted in 15 ms, walked in 3."""
    if not parts.match or not total:
        return None
    in_index = _index_checked(parts, sort)
    if few and not in_index:
        return None
    rows = gram_counts.count("", False)  # every customer: the walk passes them all, direct or not
    limit, budget = ((INDEX_CHECKED_WALK_ROWS, INDEX_CHECKED_WALK_BUDGET) if in_index
                     else (CHECKED_WALK_ROWS, CHECKED_WALK_BUDGET))
    return budget if reach * rows <= total * limit else None
