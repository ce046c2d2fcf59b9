"""Numbered pages over a query, with the total count."""
import math
from dataclasses import dataclass, field


@dataclass
class Page:
    rows: list
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)
    # The sort keys of the first and last rows, where the page's sort can seek from them
    # (data/search_pages.py): the previous and the next page start there.
    first_keys: tuple | None = None
    last_keys: tuple | None = None

    def __post_init__(self):
        self.pages = max(1, math.ceil(self.total / self.per_page))


def paginate(query, page, per_page, total=None):
    """Fetch one page of ``query``; a page past the end is clamped to the last page."""
    if total is None:
        total = query.count()
    page = min(page, max(1, math.ceil(total / per_page)))
    return Page(list(query.paginate(page, per_page)), total, page, per_page)
