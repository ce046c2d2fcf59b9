"""Two-factor sign-in: a time-based code (TOTP, RFC 6238) from an authenticator app,
or one of ten single-use recovery codes, after the password.

The secret is made by pyotp and shown once, as a QR code (segno) and as text, while
the user enrols; from then on it is only compared against. A code is accepted for
the time step before and after the current one (clocks drift), and a step once used
cannot be used again: a code seen over someone's shoulder is worthless. Recovery codes
are random (50 bits) and kept as their SHA-256, each usable once. Which users must
have two-factor sign-in is a setting (``requirement``), for everyone or per role.
"""
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, timedelta

import pyotp
import segno

from . import clock, sign_in_log, sql_text
from .access import ROLES
from .db import write_transaction
from .errors import Invalid
from .records import AppSetting, RecoveryCode, User

ISSUER = "Customer Management"
RECOVERY_CODES = 10
STEP = 30
# Crockford's base-32 letters: no I, L, O or U to misread.
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_REQUIREMENT = "two_factor_required"


def new_secret():
    """A new random TOTP secret (base-32, 160 bits)."""
    return pyotp.random_base32(32)


def setup_uri(secret, user_name):
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user_name, issuer_name=ISSUER)


def qr_data_uri(secret, user_name):
    """The QR code of ``setup_uri`` as an SVG ``data:`` URI (for an ``<img>``; the CSP allows data: images)."""
    return segno.make(setup_uri(secret, user_name), error="m").svg_data_uri(scale=5, border=4)


def grouped(secret):
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret, code, after_step):
    """The time step (current, one before, one after) whose code is ``code``, if later than ``after_step``."""
    totp = pyotp.TOTP(secret)
    now = clock.utcnow().replace(tzinfo=UTC)
    for offset in (0, -1, 1):
        moment = now + timedelta(seconds=STEP * offset)
        step = totp.timecode(moment)
        if hmac.compare_digest(totp.at(moment), code) and (after_step is None or step > after_step):
            return step
    return None


def _digits(code):
    code = re.sub(r"\s", "", code or "")
    return code if re.fullmatch(r"\d{6}", code) else None


def use_totp(user, code):
    """Whether ``code`` is the user's current TOTP code; if so its time step is used up.

    The step is stored with a conditional update, so two requests with the same code
    at the same moment cannot both succeed.
    """
    code = _digits(code)
    if not user.totp_secret or code is None:
        return False
    step = _matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    used = (User.update(totp_last_step=step)
            .where((User.id == user.id) & ((User.totp_last_step.is_null()) | (User.totp_last_step < step)))
            .execute())
    if used:
        user.totp_last_step = step
    return bool(used)


def _hash(code):
    return hashlib.sha256(re.sub(r"[\s-]", "", (code or "").lower()).encode()).hexdigest()


def _new_code():
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def use_recovery_code(user, code):
    """Whether ``code`` is one of the user's unused recovery codes; if so it is used up."""
    if not user.totp_secret or not re.sub(r"[\s-]", "", code or ""):
        return False
    row = RecoveryCode.get_or_none((RecoveryCode.user == user.id) & (RecoveryCode.code_hash == _hash(code))
                                   & RecoveryCode.used_at.is_null())
    if row is None:
        return False
    return bool(RecoveryCode.update(used_at=clock.utcnow())
                .where((RecoveryCode.id == row.id) & RecoveryCode.used_at.is_null()).execute())


def use_any(user, code):
    """``"code"`` or ``"recovery code"`` when ``code`` is either (and is now used up), else None."""
    if use_totp(user, code):
        return "code"
    if use_recovery_code(user, code):
        return "recovery code"
    return None


def _replace_recovery_codes(user):
    codes = [_new_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
    RecoveryCode.insert_many([{"user": user.id, "code_hash": _hash(c)} for c in codes]).execute()
    return codes


def unused_recovery_codes(user):
    """How many of the user's recovery codes are left."""
    return RecoveryCode.select().where((RecoveryCode.user == user.id) & RecoveryCode.used_at.is_null()).count()


def enrol(user, secret, code):
    """Turn two-factor sign-in on with ``secret`` once ``code`` shows the app has it.

    Returns the ten recovery codes, in clear for the only time. ``Invalid`` when
    the code does not match (the secret is then not stored).
    """
    code = _digits(code)
    if not secret or not re.fullmatch(r"[A-Z2-7]{16,64}", secret):
        raise Invalid({"code": "the set-up expired; start again"})
    step = _matching_step(secret, code, None) if code else None
    if step is None:
        raise Invalid({"code": "enter the 6-digit code the app shows now for this account"})
    with write_transaction():
        User.update(totp_secret=secret, totp_last_step=step).where(User.id == user.id).execute()
        user.totp_secret, user.totp_last_step = secret, step
        sign_in_log.note_change(user.id, user.name, "turned two-factor sign-in on")
        return _replace_recovery_codes(user)


def new_recovery_codes(user):
    """Replace the user's recovery codes with ten new ones (returned in clear, once)."""
    with write_transaction():
        sign_in_log.note_change(user.id, user.name, "made new recovery codes")
        return _replace_recovery_codes(user)


def turn_off(user, actor):
    """Remove two-factor sign-in (secret and recovery codes) from ``user``; ``actor`` did it."""
    with write_transaction():
        sign_in_log.note_change(user.id, actor, "turned two-factor sign-in off")
        User.update(totp_secret=None, totp_last_step=None).where(User.id == user.id).execute()
        RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
    user.totp_secret = user.totp_last_step = None


@dataclass(frozen=True)
class Requirement:
    """Who must use two-factor sign-in: everyone, or the users of some roles."""
    everyone: bool = False
    roles: frozenset = field(default_factory=frozenset)

    def applies_to(self, role):
        """Whether a user of ``role`` must use two-factor sign-in."""
        return self.everyone or role in self.roles


def requirement():
    """The stored requirement (none until an administrator sets one)."""
    # Read on every request (must_enrol): its SQL is written once (sql_text).
    found = sql_text.rows("setting", lambda key: AppSetting.select().where(AppSetting.key == key[0]),
                          [_REQUIREMENT])
    if not found:
        return Requirement()
    value = json.loads(found[0].value)
    return Requirement(bool(value.get("everyone")), frozenset(r for r in value.get("roles", ()) if r in ROLES))


def set_requirement(everyone, roles):
    """Store who must use two-factor sign-in; unknown roles are ``Invalid``."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise Invalid({"roles": f"unknown role “{unknown[0]}”"})
    value = json.dumps({"everyone": bool(everyone), "roles": sorted(set(roles))})
    with write_transaction():
        if AppSetting.update(value=value).where(AppSetting.key == _REQUIREMENT).execute() == 0:
            AppSetting.create(key=_REQUIREMENT, value=value)
    return requirement()


def must_enrol(user):
    """Whether ``user`` has to set up two-factor sign-in before doing anything else."""
    return not user.totp_secret and requirement().applies_to(user.role)
