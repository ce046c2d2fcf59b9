"""People who sign in: creating them, and checking a password without helping guessers."""
from datetime import timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from . import clock, sessions, sign_in_log, two_factor
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
    owner_errors, owner = owner_for(role, owner_name)
    errors.update(owner_errors)
    if User.select().where(User.name == name).exists():
        errors["name"] = f"a user “{name}” already exists"
    return errors, owner


def owner_for(role, owner_name):
    """``(errors, owner)``: the reseller or distributor a user of ``role`` belongs to, by name.

    Errors are keyed ``role``, ``reseller`` or ``distributor``.
    """
    errors, owner = {}, None
    if role not in ROLES:
        errors["role"] = f"must be one of {', '.join(ROLES)}"
    kind = OWNER_ROLES.get(role)
    if kind and not (owner_name or "").strip():
        errors[kind] = f"missing: a {role} user belongs to a {kind}; say which"
    elif kind:
        owner = Customer.get_or_none((Customer.name == owner_name.strip()) & (Customer.customer_type == kind))
        if owner is None:
            errors[kind] = f"there is no {kind} named “{owner_name}”"
    elif (owner_name or "").strip():
        errors["role"] = "only reseller and distributor staff belong to a customer"
    return errors, owner


def check_new_user(name, role, owner_name=None):
    """Raise ``Invalid`` if ``create_user`` would refuse these, whatever the password.

    Lets a command say so before it asks for a password.
    """
    errors, _ = _problems((name or "").strip(), role, owner_name)
    if errors:
        raise Invalid(errors)


def password_problem(password):
    """What is wrong with a new password, or None."""
    if len(password or "") < MIN_PASSWORD:
        return f"must be at least {MIN_PASSWORD} characters"
    if len(password) > 200:
        return "must be at most 200 characters"
    return None


def create_user(name, role, password, owner_name=None, must_change_password=False, actor="command line"):
    """Create a user; staff roles need the reseller or distributor they belong to.

    ``must_change_password``: the user chooses their own password at the first sign-in
    (an administrator made this one up). ``actor``: who created it, for the user's history.
    """
    name = (name or "").strip()
    errors, owner = _problems(name, role, owner_name)
    if password_problem(password):
        errors["password"] = password_problem(password)
    if errors:
        raise Invalid(errors)
    with write_transaction():
        user = User.create(name=name, role=role, password_hash=generate_password_hash(password), owner=owner,
                           must_change_password=must_change_password)
        sign_in_log.note_change(user.id, actor, f"created as {ROLES[role]}" + (f" of {owner.name}" if owner else ""))
        return user


def set_password(name, password, must_change=False, actor="command line"):
    """Replace a user's password and sign out every session of theirs."""
    if password_problem(password):
        raise Invalid({"password": password_problem(password)})
    with write_transaction():
        user = User.get(User.name == name)
        user.password_hash = generate_password_hash(password)
        user.must_change_password = must_change
        user.save()
        sessions.end_all(user.id)
        sign_in_log.note_change(user.id, actor, "reset the password")
    return user


def change_own_password(user, old, new, repeat, address, keep_session=None):
    """A signed-in user's new password: the old one must be right (throttled like a
    sign-in), the new one long enough and typed twice. Every other session of the
    user ends (``keep_session``: the token of the one that asked).
    """
    errors = {}
    if password_problem(new):
        errors["new_password"] = password_problem(new)
    elif new != repeat:
        errors["repeat_password"] = "does not match the new password"
    elif new == old:
        errors["new_password"] = "must differ from the current password"
    if errors:
        raise Invalid(errors)
    try:
        _reserve_attempt(user.name, (address or "unknown")[:64], clock.utcnow())
    except SignInRefused as refused:
        raise Invalid({"old_password": refused.message}) from None
    if not check_password_hash(user.password_hash, old or ""):
        raise Invalid({"old_password": "is not your current password"})
    SignInFailure.delete().where(SignInFailure.user_name == user.name).execute()
    with write_transaction():
        user.password_hash = generate_password_hash(new)
        user.must_change_password = False
        User.update(password_hash=user.password_hash, must_change_password=False).where(User.id == user.id).execute()
        sessions.end_others(user.id, keep_session)
        sign_in_log.note_change(user.id, user.name, "changed their own password")
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


def authenticate(name, password, address, user_agent=""):
    """The user whose password this is, or ``SignInRefused``.

    Failures are counted per account and per address over a sliding window of
    15 minutes; past the limits even a right password is refused until the
    window has moved on, and the message says so without telling which part
    was wrong. Each attempt is reserved (counted) before its password is
    checked, so parallel attempts cannot exceed the limits. Every attempt is in the
    sign-in log. A right password is not yet a sign-in when the user has two-factor
    sign-in (``check_code`` is the second step) or is disabled (refused, saying so).
    """
    now = clock.utcnow()
    name = (name or "").strip()[:100]
    address = (address or "unknown")[:64]
    user = User.get_or_none(User.name == name)
    try:
        _reserve_attempt(name, address, now)
    except SignInRefused:
        sign_in_log.record(name, address, user_agent, False, "too many attempts", user)
        raise
    if not check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "") or user is None:
        sign_in_log.record(name, address, user_agent, False, "wrong password", user)
        raise SignInRefused("Wrong user name or password.")  # the reservation stays: a failure
    # Right password: this attempt and the account's earlier failures stop counting.
    SignInFailure.delete().where(SignInFailure.user_name == name).execute()
    if user.disabled_at is not None:
        sign_in_log.record(name, address, user_agent, False, "account disabled", user)
        raise SignInRefused("This account is disabled. Ask an administrator to enable it.")
    if not user.two_factor:
        signed_in(user, address, user_agent, "password")
    return user


def check_code(user, code, address, user_agent=""):
    """The second step of a sign-in with two-factor sign-in: ``code`` is the app's
    current code or an unused recovery code. Throttled and logged like passwords;
    ``SignInRefused`` when wrong. Returns what was used (``"code"``, ``"recovery code"``).
    """
    address = (address or "unknown")[:64]
    try:
        _reserve_attempt(user.name, address, clock.utcnow())
    except SignInRefused:
        sign_in_log.record(user.name, address, user_agent, False, "too many attempts", user)
        raise
    user = User.get_by_id(user.id)  # as it is now: disabled meanwhile, or its last step moved on
    if user.disabled_at is not None:
        sign_in_log.record(user.name, address, user_agent, False, "account disabled", user)
        raise SignInRefused("This account is disabled. Ask an administrator to enable it.")
    used = two_factor.use_any(user, code)
    if used is None:
        sign_in_log.record(user.name, address, user_agent, False, "wrong code", user)
        raise SignInRefused("Wrong or already used code. Enter the code your app shows now, or a recovery code.")
    SignInFailure.delete().where(SignInFailure.user_name == user.name).execute()
    signed_in(user, address, user_agent, f"password and {used}")
    return used


def check_own_code(user, code, address):
    """Confirm a sensitive change (turning two-factor sign-in off, new recovery codes)
    with a current code or a recovery code; throttled like sign-ins. ``Invalid`` when wrong."""
    try:
        _reserve_attempt(user.name, (address or "unknown")[:64], clock.utcnow())
    except SignInRefused as refused:
        raise Invalid({"code": refused.message}) from None
    if two_factor.use_any(user, code) is None:
        raise Invalid({"code": "wrong or already used code"})
    SignInFailure.delete().where(SignInFailure.user_name == user.name).execute()


def signed_in(user, address, user_agent, detail):
    """Note a completed sign-in: the log, and the user's last sign-in."""
    sign_in_log.record(user.name, address, user_agent, True, detail, user)
    user.last_sign_in_at = clock.utcnow()
    User.update(last_sign_in_at=user.last_sign_in_at).where(User.id == user.id).execute()


def viewer_for(user, source="web"):
    """The ``Viewer`` (role and reach) of a signed-in user, acting from ``source``."""
    return Viewer(user.name, user.role, user.owner_id, user.owner.name if user.owner_id else "", source)
