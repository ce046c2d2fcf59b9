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
