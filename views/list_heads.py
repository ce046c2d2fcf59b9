"""The customer list's column headers, drawn in Python.

As Jinja macros the headers cost a tenth of a short list page (Is name: 0.45 of 4.8 ms):
a macro call, an icon call and a sort URL built from the whole state for each of nine
sortable columns. Here the fixed parts are made once a process, and the sort URLs share
one writing of the state (``ListState.sort_urls``).

A new column: a header here (``SORTABLE`` or ``PLAIN``), a cell in views/list_row.py and an entry in
data/list_columns.py.
"""
from functools import cache

from markupsafe import Markup, escape

from .formatting import icon_markup, sprite_url

# key -> (text, css class): sortable columns (an index serves each at a million customers).
SORTABLE = {"name": ("ID", ""), "currency": ("Currency", ""), "balance_control": ("Balance Control", "wrap"),
            "available_funds": ("Available Funds", "num"), "balance": ("Balance", "num"),
            "credit_limit": ("Credit Limit", "num"), "email": ("Email", ""), "status": ("Status", "")}
# The others are not sorted by: no index serves them at a million customers.
PLAIN = {"xdrs": ("xDRs", "icon-col"), "accounts": ("Accounts", "icon-col"), "owner": ("Owner", "owner-col"),
         "delete": ("Delete", "icon-col"), "company_name": ("Company", "extra-col"), "country": ("Country", ""),
         "customer_class": ("Class", "extra-col"), "phone": ("Phone", ""), "created_at": ("Created", ""),
         "last_change": ("Last change", "wrap")}


@cache
def _plain(key):
    text, css = PLAIN[key]
    attribute = f' class="{css}"' if css else ""
    return f'<th scope="col"{attribute}>{escape(text)}</th>'


def _sortable(key, url, sort, sprite):
    text, css = SORTABLE[key]
    current, descending = sort
    if current == key:
        arrow = "arrow-down" if descending else "arrow-up"
        aria = f' aria-sort="{"descending" if descending else "ascending"}"'
    else:
        arrow, aria = "arrow-up-down", ""
    url = escape(url)
    return (f'<th scope="col" class="{css}"{aria}>\n  <a href="{url}" data-hx-get="{url}" data-hx-target="#results" '
            f'data-hx-swap="outerHTML" data-hx-push-url="true"\n     title="Sort by {text}">{text} '
            f'{icon_markup(arrow, css="sort", sprite=sprite)}</a>\n</th>')


def column_heads(state, keys):
    """The ``<th>`` of each of ``keys`` for the list ``state`` (views.list_state.ListState), as Markup."""
    urls = state.sort_urls([key for key in keys if key in SORTABLE])
    sprite = sprite_url()
    return Markup("\n".join(_sortable(key, urls[key], state.sort, sprite) if key in SORTABLE else _plain(key)
                            for key in keys))


def register(app):
    app.add_template_global(column_heads)
