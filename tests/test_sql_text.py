"""SQL written once per shape (data/sql_text.py): the lookups every list page makes
(its session, settings, saved views, the classes of the bulk bar) run as Peewee would
run them, without Peewee writing their SQL again on every request."""
import peewee
import pytest

from data import saved_views, sql_text
from data.records import User
from data.view_records import SavedView
from tests import factories
from tests.conftest import make_user


def _visible(params):
    return SavedView.select(SavedView, User).join(User).where(SavedView.user == params[0]).order_by(SavedView.id)


def test_rows_are_what_peewee_gives_joined_models_included(database):
    ann, bob = make_user("ann"), make_user("bob")
    for owner, name in ((ann, "Mine"), (bob, "Theirs"), (ann, "Also mine")):
        saved_views.save(owner, name, "q=x")
    for user in (ann, bob, ann):
        expected = [(v.id, v.name, v.user.name) for v in _visible([user.id])]
        got = sql_text.rows("test_visible", _visible, [user.id])
        assert [(v.id, v.name, v.user.name) for v in got] == expected
        assert all(isinstance(v, SavedView) and isinstance(v.user, User) for v in got)
    assert [v.name for v in sql_text.rows("test_visible", _visible, [bob.id])] == ["Theirs"]


def test_the_query_is_built_once_per_shape_and_only_the_parameters_change(database):
    ann, bob = make_user("ann"), make_user("bob")
    saved_views.save(bob, "Theirs", "q=x")
    built = []

    def build(params):
        built.append(params)
        return _visible(params)

    assert sql_text.rows("test_built_once", build, [ann.id]) == []
    assert [v.name for v in sql_text.rows("test_built_once", build, [bob.id])] == ["Theirs"]
    assert built == [[ann.id]]


def test_a_query_with_other_parameters_than_the_ones_given_is_refused(database):
    with pytest.raises(ValueError, match="not just the ones given"):
        sql_text.rows("test_refused", lambda p: User.select().where(User.id == p[0]).limit(1), [1])


def test_a_list_page_writes_no_sql_again_for_its_fixed_lookups(client, monkeypatch):
    factories.customer_class("Gold")
    factories.customer("Ann")
    client.get("/customers?flt0_name_is=Ann")
    written = []
    real = peewee.Database.execute

    def spy(self, query, **options):
        written.append(query.sql()[0])
        return real(self, query, **options)

    monkeypatch.setattr(peewee.Database, "execute", spy)
    assert client.get("/customers?flt0_name_is=Ann").status_code == 200
    fixed = ("user_session", "app_setting", "list_setting", "saved_view", "customer_class")
    assert [sql for sql in written if any(f'"{table}"' in sql for table in fixed)] == []
