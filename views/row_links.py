"""The links of a customer row, built without a ``url_for`` call per link.

A list page has 50-200 rows of five links each; building each through the URL
map cost more than the database work of an indexed search. The routes' shape
is fixed (``/customers/<id>/...``), so one ``url_for`` gives the prefix.
"""
from urllib.parse import urlencode

from flask import url_for


class RowLinks:
    def __init__(self, back):
        self.prefix = url_for("customers.show", customer_id=0)[:-1]   # "/customers/"
        self.query = "?" + urlencode({"back": back})

    def show(self, customer_id):
        return f"{self.prefix}{customer_id}{self.query}"

    def xdrs(self, customer_id):
        return f"{self.prefix}{customer_id}/xdrs{self.query}"

    def accounts(self, customer_id):
        return f"{self.prefix}{customer_id}/accounts{self.query}"

    def confirm_delete(self, customer_id):
        return f"{self.prefix}{customer_id}/delete{self.query}"

    def status_menu(self, customer_id):
        return f"{self.prefix}{customer_id}/status-menu{self.query}"

    def delete(self, customer_id):
        return f"{self.prefix}{customer_id}"
