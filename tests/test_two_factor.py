"""Two-factor sign-in in data/: enrolment, codes (drift, replay), recovery codes,
throttling, the requirement setting, and the sign-in log."""
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from data import clock, sessions, sign_in_log, two_factor, users
from data.errors import Invalid
from data.records import RecoveryCode, SignInEvent, User
from tests.conftest import TEST_PASSWORD, fresh, make_user

NOW = datetime(2026, 11, 26, 12, 0, 10)


def code_at(secret, moment):
    return pyotp.TOTP(secret).at(moment.replace(tzinfo=UTC))


@pytest.fixture
def enrolled(database):
    clock.freeze(NOW)
    user = make_user("tina")
    secret = two_factor.new_secret()
    codes = two_factor.enrol(user, secret, code_at(secret, NOW))
    return fresh(user), secret, codes


def test_enrolment_needs_the_apps_code_and_gives_ten_recovery_codes(database):
    clock.freeze(NOW)
    user = make_user("tina")
    secret = two_factor.new_secret()
    assert len(secret) == 32
    with pytest.raises(Invalid):
        two_factor.enrol(user, secret, "000000" if code_at(secret, NOW) != "000000" else "111111")
    assert not fresh(user).two_factor
    codes = two_factor.enrol(user, secret, code_at(secret, NOW))
    assert len(codes) == len(set(codes)) == 10
    assert fresh(user).totp_secret == secret
    # Only hashes are stored.
    stored = {r.code_hash for r in RecoveryCode.select()}
    assert not any(code in stored or code.replace("-", "") in stored for code in codes)


def test_a_code_of_the_step_before_or_after_is_accepted_but_not_two_steps_away(enrolled):
    user, secret, _ = enrolled
    later = NOW + timedelta(minutes=5)
    clock.freeze(later)
    assert not two_factor.use_totp(fresh(user), code_at(secret, later - timedelta(seconds=60)))
    assert not two_factor.use_totp(fresh(user), code_at(secret, later + timedelta(seconds=60)))
    assert two_factor.use_totp(fresh(user), code_at(secret, later - timedelta(seconds=30)))
    assert two_factor.use_totp(fresh(user), code_at(secret, later + timedelta(seconds=30)))


def test_a_code_cannot_be_used_twice_nor_an_older_one_after_it(enrolled):
    user, secret, _ = enrolled
    later = NOW + timedelta(minutes=5)
    clock.freeze(later)
    code = code_at(secret, later)
    assert two_factor.use_totp(fresh(user), code)
    assert not two_factor.use_totp(fresh(user), code)
    assert not two_factor.use_totp(fresh(user), code_at(secret, later - timedelta(seconds=30)))
    # The enrolment's own code is used up too.
    clock.freeze(NOW)
    assert not two_factor.use_totp(fresh(user), code_at(secret, NOW))


def test_a_recovery_code_works_once_however_it_is_typed(enrolled):
    user, _, codes = enrolled
    typed = " " + codes[0].upper().replace("-", " - ") + " "
    assert two_factor.use_any(fresh(user), typed) == "recovery code"
    assert two_factor.use_any(fresh(user), codes[0]) is None
    assert two_factor.unused_recovery_codes(user) == 9
    assert two_factor.use_any(fresh(user), "") is None


def test_new_recovery_codes_replace_the_old_ones(enrolled):
    user, _, codes = enrolled
    new = two_factor.new_recovery_codes(user)
    assert not set(new) & set(codes)
    assert two_factor.use_any(fresh(user), codes[1]) is None
    assert two_factor.use_any(fresh(user), new[1]) == "recovery code"


def test_turning_it_off_removes_secret_and_codes(enrolled):
    user, secret, codes = enrolled
    two_factor.turn_off(user, "tina")
    assert fresh(user).totp_secret is None and RecoveryCode.select().count() == 0
    assert two_factor.use_any(fresh(user), codes[2]) is None


def test_the_qr_code_is_an_svg_of_the_otpauth_address(database):
    secret = two_factor.new_secret()
    assert two_factor.setup_uri(secret, "tina").startswith("otpauth://totp/Customer%20Management:tina?secret=")
    assert two_factor.qr_data_uri(secret, "tina").startswith("data:image/svg+xml")
    assert two_factor.grouped("ABCDEFGH") == "ABCD EFGH"


def test_the_sign_in_code_step_is_throttled_like_passwords(enrolled):
    user, secret, _ = enrolled
    for _ in range(users.MAX_PER_USER):
        with pytest.raises(users.SignInRefused, match="Wrong or already used code"):
            users.check_code(user, "12345x", "192.0.2.1")
    later = NOW + timedelta(minutes=1)
    clock.freeze(later)
    with pytest.raises(users.SignInRefused, match="Too many"):
        users.check_code(user, code_at(secret, later), "192.0.2.1")
    clock.freeze(NOW + timedelta(minutes=16))
    assert users.check_code(user, code_at(secret, NOW + timedelta(minutes=16)), "192.0.2.1") == "code"
    assert fresh(user).last_sign_in_at == NOW + timedelta(minutes=16)


def test_the_requirement_is_stored_as_data(database):
    user = make_user("rita", "reseller_staff", owner=None)
    assert two_factor.requirement() == two_factor.Requirement()
    assert not two_factor.must_enrol(user)
    two_factor.set_requirement(False, ["reseller_staff"])
    assert two_factor.requirement().roles == {"reseller_staff"}
    assert two_factor.must_enrol(user) and not two_factor.must_enrol(make_user("op"))
    two_factor.set_requirement(True, [])
    assert two_factor.must_enrol(User.get(User.name == "op"))
    with pytest.raises(Invalid):
        two_factor.set_requirement(False, ["emperor"])
    assert two_factor.requirement().everyone


def test_sign_ins_are_logged_and_old_entries_pruned(database):
    user = make_user("lou")
    clock.freeze(NOW - timedelta(days=100))
    users.authenticate("lou", TEST_PASSWORD, "192.0.2.9", "Old browser")
    clock.freeze(NOW)
    with pytest.raises(users.SignInRefused):
        users.authenticate("lou", "wrong", "192.0.2.7", "Firefox")
    users.authenticate("lou", TEST_PASSWORD, "192.0.2.8", "Chromium")
    with pytest.raises(users.SignInRefused):
        users.authenticate("nobody", "wrong", "192.0.2.7")
    recent = sign_in_log.recent(user.id)
    assert [(e.succeeded, e.detail, e.address, e.user_agent) for e in recent] == [
        (True, "password", "192.0.2.8", "Chromium"), (False, "wrong password", "192.0.2.7", "Firefox")]
    assert SignInEvent.select().where(SignInEvent.user_name == "nobody").get().user_id is None
    assert fresh(user).last_sign_in_at == NOW


def test_a_disabled_user_is_refused_and_signed_out(database):
    user = make_user("dan")
    token = sessions.start(user.id)
    User.update(disabled_at=NOW).where(User.id == user.id).execute()
    assert sessions.resume(token) is None
    with pytest.raises(users.SignInRefused, match="disabled"):
        users.authenticate("dan", TEST_PASSWORD, "192.0.2.1")


def test_changing_my_password_needs_the_old_one_and_ends_my_other_sessions(database):
    user = make_user("pat")
    mine, other = sessions.start(user.id), sessions.start(user.id)
    with pytest.raises(Invalid) as wrong:
        users.change_own_password(user, "not it", "a brand new password", "a brand new password", "192.0.2.1")
    assert "old_password" in wrong.value.errors
    with pytest.raises(Invalid) as mismatch:
        users.change_own_password(user, TEST_PASSWORD, "a brand new password", "a brand new passwore", "192.0.2.1")
    assert "repeat_password" in mismatch.value.errors
    with pytest.raises(Invalid) as short:
        users.change_own_password(user, TEST_PASSWORD, "short", "short", "192.0.2.1")
    assert "new_password" in short.value.errors
    users.change_own_password(user, TEST_PASSWORD, "a brand new password", "a brand new password", "192.0.2.1",
                              keep_session=mine)
    assert sessions.resume(mine).name == "pat" and sessions.resume(other) is None
    assert users.authenticate("pat", "a brand new password", "192.0.2.1").name == "pat"


def test_guessing_the_old_password_is_throttled(database):
    user = make_user("gus")
    for n in range(users.MAX_PER_USER):
        with pytest.raises(Invalid):
            users.change_own_password(user, f"guess {n}", "a brand new password", "a brand new password", "x")
    with pytest.raises(Invalid, match="Too many"):
        users.change_own_password(user, TEST_PASSWORD, "a brand new password", "a brand new password", "x")


def test_real_time_codes_work_without_a_frozen_clock(database):
    """The clock the app uses and pyotp's agree (naive UTC is not read as local time)."""
    user = make_user("rt")
    secret = two_factor.new_secret()
    two_factor.enrol(user, secret, pyotp.TOTP(secret).now())
    assert two_factor.use_totp(fresh(user), pyotp.TOTP(secret).at(time.time() + 30))


def test_a_user_disabled_between_password_and_code_is_refused(enrolled):
    user, secret, _ = enrolled
    User.update(disabled_at=NOW).where(User.id == user.id).execute()
    later = NOW + timedelta(minutes=1)
    clock.freeze(later)
    with pytest.raises(users.SignInRefused, match="disabled"):
        users.check_code(user, code_at(secret, later), "192.0.2.1")
