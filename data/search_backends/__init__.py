"""The one seam between a customer search and the database it runs on.

data/search_sql.py, data/search_query.py and data/search.py write every condition,
count and page the same way on both databases; at the few points where SQLite and PostgreSQL
differ they ask ``backend()``, which implements ``SearchBackend``:

* data/search_backends/sqlite.py: substrings through the FTS5 trigram index
  ``customer_fts``, a planner steered with unary ``+``, small owners read row by row;
* data/search_backends/postgres.py: substrings as LIKE patterns under pg_trgm
  indexes, deep pages sorted from the matches, a small owner's customers listed first.

Replacing how one database searches is its module here (and the migrations that
own its indexes); nothing else in the search names a backend.
"""
from abc import ABC, abstractmethod

from ..db import db, is_postgres


class SearchBackend(ABC):
    """What a search backend decides; each module here subclasses it once (a method
    left out stops that module from making its instance, at import)."""

    #: Filter columns are written with unary ``+`` under ``search_nodes.Hinting`` (and
    #: the sort column when the hits are few), steering the planner by the count; a
    #: seek past a row is written in the shape its ranges take (page_seek.py).
    steers_planner = False

    @abstractmethod
    def listed_owner(self, column, owner_id):
        """How a search within an owner's few customers (``column``, customer.reseller_id or
        distributor_id, is ``owner_id``; ``Search.small_owner``) reads them: None where the
        owner's index is walked with every other condition checked on the row it reads (a
        steered planner, for every operator); else a condition on customer_search's id that
        lists the owner's customers first, which a query testing its other conditions row
        by row takes instead of ``column = owner_id``, reading them by id (``Parts.finish``)."""

    @abstractmethod
    def summary_source(self, customer, amount=None):
        """What the status chips and money totals read ``customer`` (the model) as when
        they find the matches by id elsewhere (the text index, customer_search): a source
        for a query's FROM, or None for the table itself. ``amount``: the one amount field
        that a count of the direct customers has conditions on, and on nothing else."""

    @abstractmethod
    def substring_term(self, columns, op, folded):
        """The term by which the backend's own text index finds the customers whose
        ``columns`` (names in customer_search; several: any of them) "contains" or
        "ends_with" (``op``) the folded text ``folded``; None when the backend has no
        such index and the LIKE pattern is checked instead. Only asked for substrings
        long enough for trigrams, and for a pair of characters to contain (None unless the
        index can find a pair, and few customers hold it)."""

    @abstractmethod
    def terms_condition(self, id_column, terms, direct):
        """The condition on ``id_column`` (customer ids) that keeps the customers
        matching every one of ``terms`` (from ``substring_term``), direct customers
        only when ``direct``."""

    @abstractmethod
    def count_terms(self, terms, direct, limit=None):
        """How many customers match every one of ``terms`` (within the direct scope
        when ``direct``), counted by the text index alone; at most ``limit`` (the
        index stops there) when given."""

    @abstractmethod
    def only_filters_direct(self, column):
        """The condition "``column`` (customer_search.direct) is true", written so that no
        index is chosen for it: beside other conditions it only filters."""

    @abstractmethod
    def without_reseller(self, column):
        """The condition "``column`` (customer.reseller_id) is null" beside a narrow status
        condition on the customer table (the direct scope), where it only filters."""

    @abstractmethod
    def sorts_deep_page(self, reach, total, rows, counted=False):
        """True when the page that ends at the ``reach``-th of ``total`` matches (more than
        search_pages.SORT_HITS_LIMIT) is better sorted from all the matches than found by
        walking the sort column's index; ``rows()``: the customer table's size, near enough
        (``Search.table_rows``, looked up once per search). ``counted``: the matches' count
        comes with the sorted page (one statement finds them for both), so the walk weighs
        against their sort alone."""

    @abstractmethod
    def keeping_matches(self, terms, direct, few=None):
        """A context in which the matches of ``terms`` (``direct`` as for ``count_terms``) are
        listed once and kept, where the backend has a text index that lists them:
        ``count_terms`` and ``terms_condition`` of those same terms read the list. For a
        count followed by a walk that needs every match (a deep page); with ``few``, only
        when there are at most that many (else nothing is kept): a count followed by a page
        sorted from them."""

    def rows_within(self, sql, params, budget):
        """The rows of ``sql``, or None when the database would spend more than ``budget``
        (thousands of its own steps) on them: a cheap try before a dearer sure way. Where
        the backend cannot stop a query by its own work, None (the sure way is taken)."""
        return None


_picked = (None, None)


def backend():
    """The SearchBackend of the bound database (chosen when first asked for it:
    the database is bound at app start, after this module is imported)."""
    global _picked
    database, chosen = _picked
    if database is not db.obj or chosen is None:
        from . import postgres, sqlite
        chosen = postgres.BACKEND if is_postgres() else sqlite.BACKEND
        _picked = (db.obj, chosen)
    return chosen
