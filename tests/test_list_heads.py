"""The list's column headers (views/list_heads.py): one for every column a user may choose."""
from bs4 import BeautifulSoup

from data.list_columns import BY_KEY
from data.listing import Scope
from views.list_heads import PLAIN, SORTABLE, column_heads
from views.list_row import CELLS
from views.list_state import ListState


def test_every_column_has_a_header_and_a_cell():
    assert set(BY_KEY) == SORTABLE.keys() | PLAIN.keys() == set(CELLS)
    assert not SORTABLE.keys() & PLAIN.keys()


def test_headers_in_the_order_asked_sortable_ones_linked_with_the_current_sort_marked(app):
    keys = ("xdrs", "name", "balance", "country", "status")
    state = ListState(Scope("direct"), sort=("balance", True))
    with app.test_request_context("/customers"):
        heads = BeautifulSoup(str(column_heads(state, keys)), "html.parser").find_all("th")
    assert [th.get_text(" ", strip=True) for th in heads] == ["xDRs", "ID", "Balance", "Country", "Status"]
    assert [th.a is not None for th in heads] == [key in SORTABLE for key in keys]
    balance = heads[2]
    assert balance["aria-sort"] == "descending" and "num" in balance["class"]
    assert balance.a["href"] == balance.a["data-hx-get"] == "/customers?sort=balance"
    assert heads[1].a["href"] == "/customers" and not heads[1].has_attr("aria-sort")
    assert heads[0]["class"] == ["icon-col"] and not heads[3].has_attr("class")
