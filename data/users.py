"""People who sign in: creating them, and checking a password without helping guessers."""
from datetime import timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from . import clock, sessions
from .access import OWNER_ROLES, ROLES, Viewer
from .db import db, is_postgres, write_transaction
from .errors import Invalid
from .models import Customer
from .records import SignInFailure, User

MIN_PASSWORD = 10
WINDOW = timedelta(minutes=15)
MAX_PER_USER = 5        # failures in WINDOW before the account waits out the window
MAX_PER_ADDRESS = 20    # failures in WINDOW from one address, whatever the account
# Serialises the count-and-reserve of sign-in attempts on PostgreSQL (SQLite's
# IMMEDIATE transaction already admits one writer at a time).
_THROTTLE_LOCK = 727101
# Compared against when the name is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("not a real password, only for timing")


class SignInRefused(Exception):
    """Wrong name or password, or too many attempts; ``message`` is safe to show."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _problems(name, role, owner_name):
    """What is wrong with a new user (password aside), and the owner it belongs to."""
    errors = {}
    if not name or len(name) > 100:
        errors["name"] = "must be 1 to 100 characters"
    if role not in ROLES:
        errors["role"] = f"must be one of {', '.join(ROLES)}"
    owner = None
    kind = OWNER_ROLES.get(role)
    if kind and not (owner_name or "").strip():
        errors[kind] = f"missing: a {role} user belongs to a {kind}; say which"
    elif kind:
        owner = Customer.get_or_none((Customer.name == owner_name.strip()) & (Customer.customer_type == kind))
        if owner is None:
            errors[kind] = f"there is no {kind} named “{owner_name}”"
    elif owner_name:
        errors["role"] = "only reseller and distributor staff belong to a customer"
    if User.select().where(User.name == name).exists():
        errors["name"] = f"a user “{name}” already exists"
    return errors, owner


def check_new_user(name, role, owner_name=None):
    """Raise ``Invalid`` if ``create_user`` would refuse these, whatever the password.

    Lets a command say so before it asks for a password.
    """
    errors, _ = _problems((name or "").strip(), role, owner_name)
    if errors:
        raise Invalid(errors)


def create_user(name, role, password, owner_name=None):
    """Create a user; staff roles need the reseller or distributor they belong to."""
    name = (name or "").strip()
    errors, owner = _problems(name, role, owner_name)
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = f"must be at least {MIN_PASSWORD} characters"
    if errors:
        raise Invalid(errors)
    with write_transaction():
        return User.create(name=name, role=role, password_hash=generate_password_hash(password), owner=owner)


def set_password(name, password):
    """Replace a user's password and sign out every session of theirs."""
    if len(password or "") < MIN_PASSWORD:
        raise Invalid({"password": f"must be at least {MIN_PASSWORD} characters"})
    with write_transaction():
        user = User.get(User.name == name)
        user.password_hash = generate_password_hash(password)
        user.session_version += 1
        user.save()
        sessions.end_all(user.id)
    return user


def _recent(condition, now):
    return SignInFailure.select().where(condition & (SignInFailure.at > now - WINDOW)).count()


def _reserve_attempt(name, address, now):
    """Count the attempt as a failure before the password is checked; its row id.

    Counting and recording in one serialised transaction means that parallel
    guesses see each other: without it, 40 at once all read "4 failures so far"
    and 16 were checked against a limit of 5.
    """
    with write_transaction():
        if is_postgres():
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_THROTTLE_LOCK,))
        if (_recent(SignInFailure.user_name == name, now) >= MAX_PER_USER
                or _recent(SignInFailure.address == address, now) >= MAX_PER_ADDRESS):
            raise SignInRefused("Too many failed sign-ins. Wait 15 minutes, then try again.")
        return SignInFailure.create(user_name=name, address=address, at=now).id


def authenticate(name, password, address):
    """The signed-in user, or ``SignInRefused``.

    Failures are counted per account and per address over a sliding window of
    15 minutes; past the limits even a right password is refused until the
    window has moved on, and the message says so without telling which part
    was wrong. Each attempt is reserved (counted) before its password is
    checked, so parallel attempts cannot exceed the limits.
    """
    now = clock.utcnow()
    name = (name or "").strip()[:100]
    address = (address or "unknown")[:64]
    _reserve_attempt(name, address, now)
    user = User.get_or_none(User.name == name)
    if not check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "") or user is None:
        raise SignInRefused("Wrong user name or password.")  # the reservation stays: a failure
    # Right password: this attempt and the account's earlier failures stop counting.
    SignInFailure.delete().where(SignInFailure.user_name == name).execute()
    return user


def viewer_for(user, source="web"):
    """The ``Viewer`` (role and reach) of a signed-in user, acting from ``source``."""
    return Viewer(user.name, user.role, user.owner_id, user.owner.name if user.owner_id else "", source)
