"""Where a page of the customer list starts: ``after`` / ``before`` in its URL.

The Next link of page N carries the sort keys of its last row (``after``), the
Previous link those of its first row (``before``), beside the page number they lead
to. That page is then found from the row on (data.page_seek.Seek), not by
counting past every match before it: page 200 of a broad search reached by Next
costs what page 2 does. The page number stays the one shown and the one used
when the position no longer fits (its rows were deleted, or the URL was edited).

The keys go in the URL as base64url JSON: they are the row's sort values (a folded
name, a currency, a status...), nothing more than the page itself shows.
"""
import base64
import json
from dataclasses import dataclass

from data.page_seek import Seek

from .list_url import InvalidQuery

PARAMS = ("after", "before")
LONGEST = 2000  # characters of a position: a sort key is a field of at most a few hundred


@dataclass(frozen=True)
class Position:
    page: int      # the page it leads to; on any other page (a state changed) it is dropped
    after: bool    # after the row (Next), else before it (Previous)
    keys: tuple    # the row's sort keys (data.paging.Page.first_keys / last_keys)

    def seek(self):
        return Seek(self.keys, self.after)


def encode(keys):
    text = json.dumps(list(keys), ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(text):
    if len(text) > LONGEST:
        raise ValueError("too long")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    keys = json.loads(raw.decode())
    if not isinstance(keys, list) or not keys or not all(isinstance(k, (str, int)) for k in keys):
        raise ValueError("not a list of keys")
    return tuple(keys)


def read(args, page):
    """The ``Position`` in ``args`` for page ``page``, or None; a bad one is an ``InvalidQuery``."""
    given = [param for param in PARAMS if args.get(param)]
    if len(given) > 1:
        raise InvalidQuery("before", "a page starts after one row or before one, not both")
    if not given:
        return None
    param = given[0]
    try:
        keys = _decode(args[param])
    except ValueError:  # binascii.Error, UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise InvalidQuery(param, "is not a place in this list; go back to its first page") from None
    return Position(page, param == "after", keys)


def write(state):
    """``{"after": …}`` or ``{"before": …}`` for ``state``'s URL, when its position leads to its page."""
    position = state.position
    if position is None or position.page != state.page or state.page == 1:
        return {}
    return {"after" if position.after else "before": encode(position.keys)}


def pager_link(state, shown):
    """The pager's ``link(page=n)`` for the list ``state`` showing ``shown`` (data.paging.Page):
    Next and Previous start from its last and first rows where its sort allows."""
    def link(page=1):
        if page == shown.page + 1 and shown.last_keys:
            position = Position(page, True, shown.last_keys)
        elif page == shown.page - 1 and page > 1 and shown.first_keys:
            position = Position(page, False, shown.first_keys)
        else:
            position = None
        return state.url(page=page, position=position)

    return link
