"""The list's URLs, written without url_for's routing map, are url_for's own (issue 10)."""
from dataclasses import replace

from flask import url_for

from data.conditions import build
from data.listing import Scope
from tests import factories
from views.list_state import ListState


def test_list_urls_equal_url_for(app, database):
    reseller = factories.reseller("Rö & Co/1 %_ 'x' ?=#")
    texts = ["", "jo", "a b", "100%", "a_b", "x&y=z", "é/ü?#", "'\"<>", "+plus+", "~.-*!$(),;:@"]
    states = []
    for n, text in enumerate(texts):
        conditions = (build("name", "contains", text or "x"), build("balance", "gt", "3.5")) if n % 2 else ()
        scope = [Scope("direct"), Scope("all"), Scope("reseller", reseller)][n % 3]
        states.append(ListState(scope, q=text, conditions=conditions, sort=("balance", bool(n % 2)),
                                page=n + 1, per_page=[50, 100][n % 2], advanced=bool(n % 2)))
    with app.test_request_context("/customers"):
        for state in states:
            for endpoint in ("customers.index", "export.customers_csv"):
                for changes in ({}, {"page": 1}, {"sort": ("name", False), "page": 1}, {"q": "", "conditions": ()}):
                    expected = url_for(endpoint, **replace(state).params(**changes))
                    assert state.url(endpoint, **changes) == expected
        assert ListState(Scope("direct")).url() == url_for("customers.index")


def test_sort_urls_equal_url_for_with_each_sort(app, database):
    # Written once with the sort swapped in (the headers' URLs): the same as url_for with
    # each sort, whether the current sort is the default, another key, or descending.
    keys = ["name", "balance", "email", "status"]
    conditions = (build("name", "contains", "x&y"),)
    with app.test_request_context("/customers"):
        for sort in (("name", False), ("name", True), ("balance", False), ("balance", True), ("email", True)):
            for state in (ListState(Scope("direct"), sort=sort, page=3),
                          ListState(Scope("all"), q="a b", conditions=conditions, sort=sort, per_page=100,
                                    columns=("name", "email"), advanced=True)):
                current, descending = sort
                expected = {key: url_for("customers.index", **state.params(
                    sort=(key, not descending if key == current else False), page=1)) for key in keys}
                assert state.sort_urls(keys) == expected
