"""Server-side sessions: who a browser is signed in as, until sign-out or a timeout.

Flask's signed cookie alone cannot be withdrawn: a copy kept working after
sign-out. The cookie now carries only a random token; the row keyed by the
token's SHA-256 says whether it is still good. A session ends at sign-out
(revoked), after ``idle`` without a request, and ``max_age`` after sign-in,
whatever happens in between.
"""
import hashlib
import secrets
from datetime import timedelta

from peewee import OperationalError

from . import clock, sql_text
from .db import SQLITE_PRAGMAS, db, is_postgres, write_transaction
from .records import User, UserSession

IDLE = timedelta(minutes=30)
MAX_AGE = timedelta(hours=12)
# last_seen_at is written at most this often: one write per request would make
# every page view a write (SQLite has one writer at a time).
TOUCH_EVERY = timedelta(minutes=1)


def _key(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start(user_id, max_age=MAX_AGE):
    """Open a session for ``user_id``; return the token for the cookie (shown nowhere else)."""
    token = secrets.token_urlsafe(32)
    now = clock.utcnow()
    with write_transaction():
        # Rows past the absolute lifetime can never be resumed again; drop them here
        # rather than in a job of their own (sign-ins are rare, the index is on created_at).
        UserSession.delete().where(UserSession.created_at < now - max_age).execute()
        UserSession.create(id=_key(token), user=user_id, created_at=now, last_seen_at=now)
    return token


def resume(token, idle=IDLE, max_age=MAX_AGE):
    """The ``User`` whose session ``token`` is, or None when it ended or never existed.

    Marks the session as seen now (at most once per TOUCH_EVERY), which moves
    its idle deadline.
    """
    if not isinstance(token, str) or not 0 < len(token) <= 100:
        return None
    now = clock.utcnow()
    found = sql_text.rows("session", _session, [_key(token)])
    row = found[0] if found else None
    if (row is None or row.revoked or now - row.created_at >= max_age
            or now - row.last_seen_at >= idle or row.user.disabled_at is not None):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        _touch(row.id, now)
    return row.user


def _session(params):
    # By primary key: one row at most, so no LIMIT (which Peewee would make a parameter).
    return UserSession.select(UserSession, User).join(User).where(UserSession.id == params[0])


def _touch(session_id, now):
    """Move the session's idle deadline, if the database lets us at once. On SQLite an
    import holds the write lock for its whole transaction (minutes for a million lines):
    waiting the busy timeout on every page, then failing it, would stop the app for
    everyone meanwhile. Skipped, the touch is made by a later request (the idle limit is
    half an hour; the touch is due every minute)."""
    if is_postgres():  # row locks: an import does not hold this table
        UserSession.update(last_seen_at=now).where(UserSession.id == session_id).execute()
        return
    db.execute_sql("PRAGMA busy_timeout = 100")
    try:
        UserSession.update(last_seen_at=now).where(UserSession.id == session_id).execute()
    except OperationalError as error:
        if "locked" not in str(error):
            raise
    finally:
        db.execute_sql(f"PRAGMA busy_timeout = {SQLITE_PRAGMAS['busy_timeout']}")


def end(token):
    """Sign the session of ``token`` out (a no-op for an unknown token)."""
    if isinstance(token, str) and token:
        UserSession.update(revoked=True).where(UserSession.id == _key(token)).execute()


def end_all(user_id):
    """Sign every session of ``user_id`` out (a new password, a disabled user)."""
    UserSession.update(revoked=True).where(
        (UserSession.user == user_id) & (UserSession.revoked == False)).execute()  # noqa: E712 (SQL, not Python)


def end_others(user_id, token):
    """Sign every session of ``user_id`` out but the one of ``token`` (the browser that asked).

    Returns how many were ended.
    """
    keep = _key(token) if isinstance(token, str) and token else ""
    return UserSession.update(revoked=True).where(
        (UserSession.user == user_id) & (UserSession.revoked == False)  # noqa: E712 (SQL, not Python)
        & (UserSession.id != keep)).execute()


def active_count(user_id, idle=IDLE, max_age=MAX_AGE):
    """How many sessions of ``user_id`` are still good (not revoked, not timed out)."""
    now = clock.utcnow()
    return UserSession.select().where(
        (UserSession.user == user_id) & (UserSession.revoked == False)  # noqa: E712 (SQL, not Python)
        & (UserSession.created_at > now - max_age) & (UserSession.last_seen_at > now - idle)).count()
