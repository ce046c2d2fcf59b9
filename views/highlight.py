"""The list's marks: the text a search matched, marked in the cells that show it
(``<mark>``), and "matched in login" when the simple search matched a field the row
does not show. What matches is decided by data/matches.py, folded as the search folds."""
from markupsafe import Markup, escape

from data.fields import SIMPLE_SEARCH_FIELDS
from data.matches import ANCHORS, field_word, simple_fields_matched, spans, term
from data.text import fold

# The simple search's fields that the list shows as columns: a match there is marked
# in its cell; a match elsewhere is named under the customer's name.
SHOWN = ("name", "email")
# Besides the text fields, conditions on the owner (a reseller's or distributor's
# name) are marked in the Owner column.
OWNER_FIELDS = ("reseller", "distributor")


def highlight(value, terms):
    """``value`` with the parts ``terms`` match wrapped in ``<mark>``, as Markup.

    Every piece of ``value`` is escaped (``escape``), so a value holding markup shows
    as text; only the ``<mark>`` tags are ours. Without terms or a match: ``value``
    unchanged (Jinja escapes it as it would have anyway).
    """
    if value is None or not terms:
        return value
    text = str(value)
    found = spans(text, terms)
    if not found:
        return value
    parts, at = [], 0
    for start, end in found:
        # Every piece of the value goes through escape(); only the tags are written here.
        parts += (escape(text[at:start]), "<mark>", escape(text[start:end]), "</mark>")
        at = end
    parts.append(escape(text[at:]))
    return Markup("".join(parts))


class Marks:
    """What a list page marks, made once per page from its search.

    ``terms[column]``: the terms to mark in that column (``highlight``'s second argument);
    ``matched_in(customer)``: the words naming the simple search's fields that matched
    when none of the ``shown`` columns did (none otherwise).
    """

    def __init__(self, q="", conditions=(), shown=SHOWN):
        self.shown = tuple(shown)
        self.q = fold(q)
        terms = {}
        if self.q:
            for name in self.shown:
                terms.setdefault(name, []).append((self.q, "any"))
        for cond in conditions:
            anchor = ANCHORS.get(cond.op)
            kind = cond.spec.kind
            if anchor and isinstance(cond.value, str) and (kind == "text" or cond.field in OWNER_FIELDS):
                marked = term(cond.value, anchor)
                if marked:
                    terms.setdefault(cond.field, []).append(marked)
        self.terms = {name: tuple(found) for name, found in terms.items()}

    @classmethod
    def of(cls, state, cols=None):
        """The marks of a list page; ``cols``: the columns it shows (None: the spec's)."""
        if state is None:
            return cls()
        shown = SHOWN if cols is None else [key for key in cols if key in SIMPLE_SEARCH_FIELDS]
        return cls(state.q, state.conditions, shown)

    def __bool__(self):
        return bool(self.terms)

    def get(self, column):
        return self.terms.get(column, ())

    def matched_in(self, customer):
        if not self.q or any(self.q in (getattr(customer, name) or "").casefold() for name in self.shown):
            return []   # marked in a column the row shows (most rows: one check, no more)
        fields = simple_fields_matched(customer, self.q)
        if any(name in self.shown for name in fields):
            return []
        return [field_word(name) for name in fields]
