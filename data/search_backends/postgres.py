"""PostgreSQL: substrings as LIKE patterns under pg_trgm indexes, deep pages sorted.

The folded columns of customer_search have pg_trgm GIN indexes (Contains, Ends
with, the simple search) and "C"-collated B-trees (Is, Begins with), made by
migrations 0002 and searchable.py. Its planner has statistics and is not steered
(nor could it be: PostgreSQL has no unary + on text); a small owner's customers are
listed first, as an array it cannot size, and read by id (``listed_owner``).
"""
from contextlib import nullcontext

from peewee import SQL, NodeList, fn

from ..models import Customer, CustomerSearch
from . import SearchBackend

# 1,000,000 customers, "son" (88,000 matches): walking the name index costs about
# 10 us per row passed, finding the matches by their trigram indexes and sorting
# them about 6 us per match.
WALK_PER_MATCH = 0.6
# The same weighing for a first page whose count comes with it (search_pages._windowed_page):
# the count finds every match anyway, so sorting them costs only a little more, where the
# walk is all extra, and unbounded where the matches come late in the sort order. At a
# million customers, page 1 of 50, against the count and a walk apart (medians of 7):
# surnames whose trigram bound is 12,000-30,000 took 15% less in all (carter 74 -> 40 ms,
# anderson 123 -> 84, miller 84 -> 43; martin 119 -> 144 and jackson 104 -> 144 the
# exceptions); from 34,000 to 48,000 it lost more often than it gained (berg 122 -> 160, corp
# 162 -> 218; lange 297 -> 57).
COUNTED_WALK_PER_MATCH = 0.055


class PostgreSQL(SearchBackend):
    steers_planner = False

    def listed_owner(self, column, owner_id):
        # "id = ANY(ARRAY(the owner's ids))": the planner, which cannot know the array's length
        # before it runs, guesses a few ids and reads customer_search by its key for each,
        # testing the rest on the row. As a join it took the trigram index where it guessed
        # few matches ("fax ends with 12" in a reseller's 691: 14,649 rows rechecked, 28 ms
        # against 2).
        owned = Customer.select(Customer.id).where(column == owner_id)
        return NodeList((CustomerSearch.customer, SQL("= ANY(ARRAY("), owned, SQL("))")))

    def substring_term(self, columns, op, folded):
        return None  # the LIKE pattern itself: the trigram indexes serve it

    def terms_condition(self, id_column, terms, direct):
        raise TypeError("PostgreSQL makes no substring terms")

    def count_terms(self, terms, direct, limit=None):
        raise TypeError("PostgreSQL makes no substring terms")

    def only_filters_direct(self, column):
        # No unary + on booleans, and IS TRUE is turned back into an index condition: an
        # expression no index serves (on small tables the planner otherwise walked a whole
        # (column, direct) index for direct = true). COALESCE, not a cast: the planner guesses
        # "direct::int = 1" keeps 1 row in 200 (it keeps most), so a broad search's page was
        # sorted from every match ("name contains er": 2.4 s at a million) instead of walking
        # the sort index; a boolean expression it knows nothing of is guessed at one in two.
        return fn.COALESCE(column, False)

    def without_reseller(self, column):
        # Its statistics know the share of customers without a reseller: the planner weighs it.
        return column.is_null()

    def summary_source(self, customer, amount=None):
        # Most of the time of those requests here is the trigram match and its recheck of
        # each candidate row (issue 10's figures), not reading the customer rows. With an
        # amount: its statistics know how many customers have no reseller, and the planner
        # picks the amount's index (which holds the reseller, migration 0024) where it serves.
        return None

    def keeping_matches(self, terms, direct, few=None):
        return nullcontext()  # no substring terms: the trigram indexes serve each LIKE

    def sorts_deep_page(self, reach, total, rows, counted=False):
        """Walking to the ``reach``-th of ``total`` matches passes about reach * rows / total
        rows; its planner, estimating matches in the hundreds of thousands, walks even for
        page 200 of "son" (a second at a million customers)."""
        if not total:
            return False
        return reach * rows() > total * total * (COUNTED_WALK_PER_MATCH if counted else WALK_PER_MATCH)

    def rows_within(self, sql, params, budget):
        return None  # its planner is not steered: no cheap try to stop halfway


BACKEND = PostgreSQL()
