"""SQL pieces a customer search is written with (data/search_sql.py): LIKE with its escape,
the unary-+ hints that steer SQLite's planner, the backends' substring terms."""
from peewee import SQL, ColumnBase, Node, NodeList

from .text import fold


def like(column, pattern):
    """``column LIKE pattern ESCAPE '\\'`` (Peewee's own LIKE means GLOB on SQLite)."""
    return NodeList((column, SQL("LIKE"), pattern, SQL("ESCAPE '\\'")))


def short_for_trigrams(op, value):
    """True when the substring is too short for the trigram index and needs a scan."""
    size = len(fold(value))
    return (op in ("contains", "not_contains") and size < 3) or (op == "ends_with" and size < 2)


class Hinted(ColumnBase):
    """A filter column, written with SQLite's unary + when the query is written under
    ``Hinting`` (so the planner cannot use its index and walks the sort index instead).

    Decided when the SQL is written, not when the search is compiled: one compiled
    search serves the count and the page, whichever plan the page takes.
    """

    def __init__(self, column):
        super().__init__()
        self.column = column

    def __sql__(self, ctx):
        if ctx.state.hint and self.column is not ctx.state.keep:
            ctx.literal("+")
        return ctx.sql(self.column)


class Hinting(Node):
    """``expression`` written with the unary + on its hinted columns, except ``keep``
    (the sort column: its own conditions may use its index)."""

    def __init__(self, expression, keep=None):
        super().__init__()
        self.expression, self.keep = expression, keep

    def __sql__(self, ctx):
        with ctx(hint=True, keep=self.keep):
            return ctx.sql(self.expression)


class Term(str):
    """A substring term of the backend's text index (``SearchBackend.substring_term``), with
    ``check``: the same condition as LIKE patterns on the folded columns, for rows read anyway.
    ``in_sort_index``: ``check`` first tests the name's sort key, which the sort index holds.
    ``grams``: trigrams every match holds in a simple-search field (data/gram_counts.py counts
    the customers holding each), or () when that is not known."""

    def __new__(cls, term, check, in_sort_index=False, grams=()):
        made = super().__new__(cls, term)
        made.check, made.in_sort_index, made.grams = check, in_sort_index, grams
        return made
