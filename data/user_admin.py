"""Managing users from the app: who may manage whom, and the changes they may make.

Only a viewer whose role may ``manage_users`` manages users. Nobody gives a user
more power than their own: a role is assignable only when everything it may do,
the viewer may do too, and (for reseller or distributor staff, should the
permissions table ever let them manage users) only within their own owner. A user
with more power than the viewer, or outside the viewer's reach, is not theirs to
change (403 or, outside the reach, 404). Nobody disables or demotes themselves
(another administrator must): an installation cannot lose its last administrator
by a slip.
"""
import secrets

from peewee import JOIN

from . import sessions, sign_in_log, two_factor, users
from .access import PERMISSIONS, ROLES, Forbidden
from .clock import utcnow
from .db import write_transaction
from .errors import Invalid, NotFound
from .models import Customer
from .records import User


def _power(role):
    found = PERMISSIONS.get(role)
    return found.may if found else frozenset()


def assignable_roles(viewer):
    """The roles ``viewer`` may give, in the permissions table's order: ``{code: label}``."""
    if not viewer.may("manage_users"):
        return {}
    mine = _power(viewer.role)
    return {code: ROLES[code] for code, role in PERMISSIONS.items()
            if role.may <= mine and (viewer.owner_kind is None or role.owner_kind == viewer.owner_kind)}


def _in_reach(query, viewer):
    """``query`` kept to the users of ``viewer``'s owner (staff); operators reach everyone."""
    return query if viewer.owner_kind is None else query.where(User.owner == viewer.owner_id)


def listing(viewer):
    """The users ``viewer`` may manage (all of them for operators), by name, with their owner."""
    viewer.check_may("manage_users")
    query = User.select(User, Customer.id, Customer.name).join(Customer, JOIN.LEFT_OUTER,
                                                               on=User.owner == Customer.id)
    return list(_in_reach(query, viewer).order_by(User.name))


def find(viewer, user_id):
    """The user ``user_id`` if in ``viewer``'s reach; ``NotFound`` otherwise (existence not revealed)."""
    viewer.check_may("manage_users")
    user = _in_reach(User.select().where(User.id == user_id), viewer).first()
    if user is None:
        raise NotFound("no such user")
    return user


def may_change(viewer, user):
    """Whether ``viewer`` may change ``user`` at all (role, password, disabling...)."""
    return viewer.may("manage_users") and _power(user.role) <= _power(viewer.role) and (
        viewer.owner_kind is None or user.owner_id == viewer.owner_id)


def _check_may_change(viewer, user, self_allowed=False):
    if not may_change(viewer, user):
        raise Forbidden(f"You cannot change {user.name}, whose role may do more than yours")
    if not self_allowed and user.name == viewer.name:
        raise Forbidden("You cannot do this to your own account; another administrator can")


def _owner_and_role(viewer, role, owner_name):
    if role not in assignable_roles(viewer):
        known = role in ROLES
        return {"role": "you cannot give this role" if known else "choose a role from the list"}, None
    if viewer.owner_kind is not None:
        owner_name = viewer.owner_name  # staff make users of their own owner only
    return users.owner_for(role, owner_name)


def new_password():
    """A random password for a user to use once and then change (16 characters)."""
    return secrets.token_urlsafe(12)


def create(viewer, name, role, owner_name="", password=""):
    """Create a user as ``viewer``: ``(user, password to show once or None)``.

    A blank ``password`` is made up here and returned to be shown once. Either way
    the user chooses their own at the first sign-in.
    """
    viewer.check_may("manage_users")
    name = (name or "").strip()
    errors, _owner = _owner_and_role(viewer, role, owner_name)
    generated = None
    if not password:
        password = generated = new_password()
    try:
        users.check_new_user(name, role, viewer.owner_name if viewer.owner_kind else owner_name)
    except Invalid as invalid:
        errors = {**invalid.errors, **errors}
    if users.password_problem(password):
        errors["password"] = users.password_problem(password)
    if errors:
        raise Invalid(errors)
    user = users.create_user(name, role, password, viewer.owner_name if viewer.owner_kind else owner_name,
                             must_change_password=True, actor=viewer.name)
    return user, generated


def change_role(viewer, user, role, owner_name=""):
    """Give ``user`` another role (and the owner staff roles need); takes effect at their next request."""
    _check_may_change(viewer, user)
    errors, owner = _owner_and_role(viewer, role, owner_name)
    if errors:
        raise Invalid(errors)
    before = ROLES.get(user.role, user.role) + (f" of {user.owner.name}" if user.owner_id else "")
    after = ROLES[role] + (f" of {owner.name}" if owner else "")
    with write_transaction():
        User.update(role=role, owner=owner).where(User.id == user.id).execute()
        if before != after:
            sign_in_log.note_change(user.id, viewer.name, f"role changed from {before} to {after}")
    return User.get_by_id(user.id)


def disable(viewer, user):
    """Disable ``user``: no sign-in, and every session of theirs ends now."""
    _check_may_change(viewer, user)
    with write_transaction():
        if User.update(disabled_at=utcnow()).where((User.id == user.id) & User.disabled_at.is_null()).execute():
            sign_in_log.note_change(user.id, viewer.name, "disabled")
        sessions.end_all(user.id)
    return User.get_by_id(user.id)


def enable(viewer, user):
    """Let a disabled ``user`` sign in again."""
    _check_may_change(viewer, user)
    with write_transaction():
        if User.update(disabled_at=None).where((User.id == user.id) & User.disabled_at.is_null(False)).execute():
            sign_in_log.note_change(user.id, viewer.name, "enabled")
    return User.get_by_id(user.id)


def reset_password(viewer, user):
    """Give ``user`` a new random password (returned, to be shown once), to be changed at
    their next sign-in; every session of theirs ends."""
    _check_may_change(viewer, user)
    password = new_password()
    users.set_password(user.name, password, must_change=True, actor=viewer.name)
    return password


def turn_off_two_factor(viewer, user):
    """Remove ``user``'s two-factor sign-in (a lost phone and lost recovery codes)."""
    _check_may_change(viewer, user)
    two_factor.turn_off(user, viewer.name)
    sessions.end_all(user.id)
