"""data/saved_views.py and data/list_columns.py: names, teams, owners only, landing view,
stored layouts, batched extras."""
from datetime import datetime

import pytest

from data import clock, history, list_columns, saved_views
from data.access import Forbidden
from data.errors import Invalid, NotFound
from data.list_columns import DEFAULT_ORDER, Layout
from data.view_records import ListSetting, SavedView
from tests import factories
from tests.conftest import make_user


@pytest.fixture
def people(database):
    r = factories.reseller("Acme Ltd")
    other = factories.reseller("Other Ltd")
    return {"admin": make_user("admin"), "clerk": make_user("clerk", "billing_clerk"),
            "s1": make_user("s1", "reseller_staff", r), "s2": make_user("s2", "reseller_staff", r),
            "x": make_user("x", "reseller_staff", other)}


def test_names_are_cleaned_checked_and_unique_per_user_in_any_case(people):
    admin, clerk = people["admin"], people["clerk"]
    view = saved_views.save(admin, "  My view ", "q=a")
    assert view.name == "My view"
    for bad, says in (("", "needs a name"), ("\t", "needs a name"), ("x" * 81, "at most 80"),
                      ("MY VIEW", "already have")):
        with pytest.raises(Invalid) as refused:
            saved_views.save(admin, bad, "")
        assert says in refused.value.errors["name"]
    assert saved_views.save(clerk, "My view", "").name == "My view"   # another user's names are theirs
    with pytest.raises(Invalid):
        saved_views.save(admin, "Long query", "q=" + "a" * 4000)


def test_a_team_is_the_users_of_one_owner(people):
    for who in ("admin", "s1", "x"):
        saved_views.save(people[who], f"{who} shared", "", shared=True)
        saved_views.save(people[who], f"{who} private", "")

    def seen(who):
        return [v.name for v in saved_views.visible(people[who])]
    assert seen("clerk") == ["admin shared"]                     # the operator's people
    assert seen("s2") == ["s1 shared"]                          # the same reseller's staff
    assert seen("s1") == ["s1 private", "s1 shared"]            # one's own first
    assert seen("x") == ["x private", "x shared"]               # another reseller's: nothing of theirs


def test_only_the_owner_changes_a_view(people):
    view = saved_views.save(people["s1"], "Ours", "", shared=True)
    assert saved_views.find(people["s2"], view.id).id == view.id
    with pytest.raises(Forbidden):
        saved_views.update(people["s2"], view.id, "Mine", True)
    with pytest.raises(Forbidden):
        saved_views.delete(people["s2"], view.id)
    with pytest.raises(NotFound):
        saved_views.delete(people["x"], view.id)
    with pytest.raises(NotFound):
        saved_views.find(people["admin"], view.id)
    renamed = saved_views.update(people["s1"], view.id, "Renamed", False)
    assert (renamed.name, renamed.shared) == ("Renamed", False)
    with pytest.raises(NotFound):  # no longer shared
        saved_views.find(people["s2"], view.id)


def test_the_landing_view(people):
    admin, clerk = people["admin"], people["clerk"]
    view = saved_views.save(admin, "Start", "scope=all", shared=True, landing=True)
    assert saved_views.landing_id(admin) == view.id
    saved_views.set_landing(clerk, view.id)
    assert saved_views.landing_id(clerk) == view.id
    saved_views.update(admin, view.id, "Start", False)
    assert saved_views.landing_id(clerk) is None     # not shared any more: the default list
    with pytest.raises(NotFound):
        saved_views.set_landing(people["x"], view.id)
    saved_views.delete(admin, view.id)
    assert ListSetting.get(ListSetting.user == admin.id).landing_view_id is None
    saved_views.set_landing(admin, None)
    assert saved_views.landing_id(admin) is None


def test_a_users_views_go_with_the_user(people):
    saved_views.save(people["clerk"], "Mine", "")
    people["clerk"].delete_instance()
    assert SavedView.select().count() == 0


def test_layouts_are_stored_in_order_and_survive_columns_coming_and_going(people):
    admin = people["admin"].id
    assert list_columns.layout_for(admin) == Layout()
    chosen = list_columns.make_layout(("company_name", *(k for k in DEFAULT_ORDER if k != "company_name")),
                                      ["company_name", "balance"], "compact")
    assert chosen.columns == ("company_name", "name", "balance")   # the ID is always shown
    list_columns.save_layout(admin, chosen)
    assert list_columns.layout_for(admin) == chosen
    # A column that is gone is dropped; one that is new comes last, hidden.
    ListSetting.update(columns="-xdrs gone name balance").execute()
    read = list_columns.layout_for(admin)
    assert read.columns == ("name", "balance") and read.order[:3] == ("xdrs", "name", "balance")
    assert set(read.order) == set(DEFAULT_ORDER) and read.compact
    list_columns.reset_layout(admin)
    assert list_columns.layout_for(admin) == Layout()


def test_a_layout_is_refused_unless_complete_and_known():
    for order, shown, density, field in ((DEFAULT_ORDER[:-1], [], "compact", "order"),
                                         (DEFAULT_ORDER + ("name",), [], "compact", "order"),
                                         (DEFAULT_ORDER, ["nope"], "compact", "show"),
                                         (DEFAULT_ORDER, [], "tiny", "density")):
        with pytest.raises(Invalid) as refused:
            list_columns.make_layout(order, shown, density)
        assert field in refused.value.errors


def test_moving_stays_within_bounds():
    layout = Layout()
    assert list_columns.moved(layout, "xdrs", -1).order == layout.order
    assert list_columns.moved(layout, "name", -1).order[:2] == ("name", "xdrs")
    assert list_columns.moved(layout, DEFAULT_ORDER[-1], 1).order == layout.order
    with pytest.raises(Invalid):
        list_columns.moved(layout, "nope", 1)


def test_sortable_columns_are_the_lists_sorts():
    from data.listing import SORTS
    assert {c.sort for c in list_columns.COLUMNS if c.sort} <= set(SORTS)
    assert not any(c.sort for c in list_columns.COLUMNS if not c.spec)


def test_class_names_and_last_changes_in_one_query_each(database, executed):
    gold = factories.customer_class("Gold")
    a, b = factories.customer("A", customer_class=gold), factories.customer("B")
    clock.freeze(datetime(2026, 1, 2, 3, 4, 5))
    history.record(a, "admin", "edited")
    clock.freeze(datetime(2026, 2, 3, 4, 5, 6))
    history.record(a, "admin", "edited again")
    clock.freeze(None)
    executed.clear()
    assert list_columns.class_names([a, b]) == {gold.id: "Gold"}
    assert list_columns.last_changes([a.id, b.id]) == {a.id: datetime(2026, 2, 3, 4, 5, 6)}
    assert len(executed) == 2
    assert list_columns.class_names([b]) == {} and list_columns.last_changes([]) == {}
    assert len(executed) == 2
