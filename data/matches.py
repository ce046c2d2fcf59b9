"""Where a search's text was found in a customer's values: the parts of a value to mark
in the list, and the fields of the simple search that matched.

Matching folds text the way the search does (data/text.py ``fold``: Unicode case
folding), so what is marked is exactly what made the row match. Folding can change
a text's length (``ß`` folds to ``ss``, ``İ`` to ``i̇``), so values are folded one
character at a time, remembering which character each folded one came from: a match
found in the folded text is marked on the characters that produced it.
"""
from .fields import BY_NAME, SIMPLE_SEARCH_FIELDS
from .text import fold

# How a term must sit in the value: the text operators that find a value by a part of it.
ANCHORS = {"contains": "any", "begins_with": "start", "ends_with": "end", "is": "whole"}


def term(text, anchor="any"):
    """A term to mark: ``text`` folded as the search folds it, and where it must sit
    (``any``, ``start``, ``end`` or ``whole``). None for text that folds to nothing."""
    folded = fold(text)
    return (folded, anchor) if folded else None


def _folded(value):
    """``value`` case-folded, and for each folded character the index of the one it came from
    (None when each character folded to exactly one: the index is its own)."""
    folded = value.casefold()
    if len(folded) == len(value):   # folding never shortens: nothing grew, nothing moved
        return folded, None
    chars, origin = [], []
    for index, ch in enumerate(value):
        folded = ch.casefold()
        chars.append(folded)
        origin.extend([index] * len(folded))
    return "".join(chars), origin


def _starts(folded, text, anchor):
    if anchor == "whole":
        return [0] if folded == text else []
    if anchor == "start":
        return [0] if folded.startswith(text) else []
    if anchor == "end":
        return [len(folded) - len(text)] if folded.endswith(text) else []
    starts, at = [], folded.find(text)
    while at != -1:
        starts.append(at)
        at = folded.find(text, at + 1)   # overlapping ones too ("aa" in "aaa"): merged below
    return starts


def spans(value, terms):
    """The ``(start, end)`` ranges of ``value`` (indexes into ``value`` itself) that the
    ``terms`` (from ``term``) match, sorted, overlapping and touching ranges merged."""
    if not value or not terms:
        return []
    folded, origin = _folded(value)
    found = []
    for text, anchor in terms:
        for at in _starts(folded, text, anchor):
            end = at + len(text)
            found.append((at, end) if origin is None else (origin[at], origin[end - 1] + 1))
    merged = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def simple_fields_matched(customer, folded_q):
    """The simple search's fields (``SIMPLE_SEARCH_FIELDS``) whose value contains
    ``folded_q`` (text already folded), in the fields' order."""
    # Stored values are already clean (data/text.py), so casefold alone is ``fold`` here:
    # a page of 200 rows folds some 2,000 values.
    return [name for name in SIMPLE_SEARCH_FIELDS if folded_q in (getattr(customer, name) or "").casefold()]


def field_word(name):
    """How a field is named in "matched in …": the word the search box's placeholder uses."""
    return BY_NAME[name].hint
