"""Saved views of the customer list: named searches a user keeps for themselves or
shares with their team, and the one the list opens with (the landing view).

A user's team is everyone with the same owner: the operator's people (no owner), or
the staff of one reseller or distributor. Teammates see a shared view read-only;
only its owner renames, shares or deletes it. The query string is the list's own;
the views check it with the list's parser (data/ knows no URL grammar).
"""
from peewee import IntegrityError

from . import sql_text
from .access import Forbidden
from .db import write_transaction
from .errors import Invalid, NotFound
from .records import User
from .text import clean
from .view_records import ListSetting, SavedView

MAX_NAME = 80
MAX_QUERY = 4000


def name_problem(name):
    """What is wrong with a view's name (already ``clean``ed), or None."""
    if not name:
        return "a view needs a name"
    if len(name) > MAX_NAME:
        return f"must be at most {MAX_NAME} characters (this one has {len(name)})"
    return None


def _team(owner_id):
    """The users of a team: those of the owner ``owner_id``, or the operator's (None)."""
    return User.owner == owner_id if owner_id else User.owner.is_null()


def _visible(user_id, owner_id):
    """The views a user of ``owner_id``'s team may open: their own and the team's shared ones."""
    return (SavedView.select(SavedView, User).join(User)
            .where((SavedView.user == user_id) | (SavedView.shared & _team(owner_id))))


def visible(user):
    """The views ``user`` may open: their own (by name), then teammates' shared ones
    (by name), each with its ``user`` joined (one query)."""
    # On every list page (the views menu): its SQL is written once per kind of team (sql_text).
    if user.owner_id:
        views = sql_text.rows("views_of_owner_team", lambda p: _visible(*p), [user.id, user.owner_id])
    else:
        views = sql_text.rows("views_of_operator_team", lambda p: _visible(p[0], None), [user.id])
    return sorted(views, key=lambda v: (v.user_id != user.id, v.name.casefold(), v.id))


def find(user, view_id):
    """The view if ``user`` may open it, else ``NotFound`` (another team's view is not revealed)."""
    view = _visible(user.id, user.owner_id).where(SavedView.id == view_id).first()
    if view is None:
        raise NotFound("no such view")
    return view


def find_own(user, view_id):
    """The view if ``user`` owns it: ``NotFound`` when they cannot see it, ``Forbidden``
    when it is a teammate's shared view (read-only to them)."""
    view = find(user, view_id)
    if view.user_id != user.id:
        raise Forbidden(f"“{view.name}” is {view.user.name}'s view: only they can change or delete it")
    return view


def _check_name(user, name, keep_id=None):
    name = clean(name or "")
    problem = name_problem(name)
    if problem is None:
        taken = (SavedView.select(SavedView.id, SavedView.name)
                 .where((SavedView.user == user.id) & (SavedView.id != (keep_id or 0))))
        if any(v.name.casefold() == name.casefold() for v in taken):
            problem = f"you already have a view called “{name}”"
    if problem:
        raise Invalid({"name": problem})
    return name


def save(user, name, query, shared=False, landing=False):
    """Save ``query`` (the list's canonical query string, already checked) as a new view
    of ``user``; ``landing``: the list opens with it from now on. ``Invalid`` on a bad name."""
    if len(query) > MAX_QUERY:
        raise Invalid({"query": f"is longer than {MAX_QUERY} characters"})
    with write_transaction():
        name = _check_name(user, name)
        try:
            with write_transaction():
                view = SavedView.create(user=user.id, name=name, query=query, shared=bool(shared))
        except IntegrityError:  # saved twice at once
            raise Invalid({"name": f"you already have a view called “{name}”"}) from None
        if landing:
            set_landing(user, view.id)
    return view


def update(user, view_id, name, shared):
    """Rename ``user``'s view and say whether it is shared."""
    with write_transaction():
        view = find_own(user, view_id)
        view.name = _check_name(user, name, keep_id=view.id)
        view.shared = bool(shared)
        view.save()
    return view


def delete(user, view_id):
    """Delete ``user``'s view; whoever landed on it lands on the default list again."""
    with write_transaction():
        view = find_own(user, view_id)
        view.delete_instance()
    return view


def landing_id(user):
    """The id of the view ``user``'s list opens with, if it is still theirs to open."""
    row = (ListSetting.select(ListSetting.landing_view).where(ListSetting.user == user.id).first())
    if row is None or row.landing_view_id is None:
        return None
    try:
        return find(user, row.landing_view_id).id
    except NotFound:  # a teammate stopped sharing it
        return None


def set_landing(user, view_id):
    """The list opens with ``view_id`` (one ``user`` may open), or the default list (None)."""
    if view_id is not None:
        find(user, view_id)
    with write_transaction():
        (ListSetting.insert(user=user.id, landing_view=view_id)
            .on_conflict(conflict_target=[ListSetting.user], preserve=[ListSetting.landing_view])
            .execute())
