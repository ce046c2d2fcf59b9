"""The links of a customer row, built without a ``url_for`` call per link.

A list page has 50-200 rows of five links each; building each through the URL
map cost more than the database work of an indexed search. The routes' shape
is fixed (``/customers/<id>/...``), so one ``url_for`` gives the prefix, and
one call per row gives all of the row's links (each call from a template costs
more than building the string).
"""
from copy import copy
from typing import NamedTuple
from urllib.parse import urlencode

from flask import url_for
from markupsafe import escape


class RowHrefs(NamedTuple):
    show: str
    xdrs: str
    accounts: str
    confirm_delete: str
    status_menu: str
    delete: str
    quick_look: str   # the list as it is, with this customer's quick look open


class RowLinks:
    def __init__(self, back):
        self.prefix = url_for("customers.show", customer_id=0)[:-1]   # "/customers/"
        self.query = "?" + urlencode({"back": back})
        list_query = back.partition("?")[2]
        self.look_query = "?" + list_query if list_query else ""

    def row(self, customer_id):
        """Every link of the row of ``customer_id``."""
        base, query = f"{self.prefix}{customer_id}", self.query
        return RowHrefs(show=base + query, xdrs=f"{base}/xdrs{query}", accounts=f"{base}/accounts{query}",
                        confirm_delete=f"{base}/delete{query}", status_menu=f"{base}/status-menu{query}",
                        delete=base, quick_look=f"{base}/quick-look{self.look_query}")

    def escaped(self):
        """These links with their text escaped for HTML once, for a drawer that writes
        hundreds of them as they are (views/list_row.py); an id needs no escaping."""
        html = copy(self)
        html.prefix, html.query, html.look_query = (str(escape(part)) for part in
                                                    (self.prefix, self.query, self.look_query))
        return html
