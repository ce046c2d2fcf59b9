"""The sign-in log (every attempt, good or bad, with its time, address and browser),
and the history of changes to each user account (who did what).

Read by "My account" (recent sign-ins) and the user's page for administrators.
Sign-in rows older than ``KEEP`` are deleted whenever a row is written (sign-ins are rare
and the index is on ``at``), so the table holds a bounded window, not everything
since installation; ``app_user.last_sign_in_at`` keeps the last good one for good.
Changes to an account are kept as long as the account.
"""
from datetime import timedelta

from . import clock
from .records import SignInEvent, UserChange

KEEP = timedelta(days=90)
RECENT = 20


def record(user_name, address, user_agent, succeeded, detail, user=None):
    """Log one sign-in attempt (``user`` None when the name is unknown) and prune old rows."""
    now = clock.utcnow()
    SignInEvent.delete().where(SignInEvent.at < now - KEEP).execute()
    return SignInEvent.create(user=user, user_name=(user_name or "")[:100], at=now,
                              address=(address or "unknown")[:64], user_agent=(user_agent or "")[:200],
                              succeeded=succeeded, detail=detail[:100])


def recent(user_id, limit=RECENT):
    """The latest sign-in attempts of a user, newest first."""
    return list(SignInEvent.select().where(SignInEvent.user == user_id)
                .order_by(SignInEvent.at.desc(), SignInEvent.id.desc()).limit(limit))


def note_change(user_id, actor, action):
    """Record a change to a user's account (role, disabled, password reset, two-factor...) and who made it."""
    UserChange.create(user=user_id, at=clock.utcnow(), actor=str(actor)[:100], action=action[:200])


def changes(user_id, limit=50):
    """The latest changes to a user's account, newest first."""
    return list(UserChange.select().where(UserChange.user == user_id)
                .order_by(UserChange.at.desc(), UserChange.id.desc()).limit(limit))
