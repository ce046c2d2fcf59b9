"""Server-side sessions (sign-out ends them; idle and absolute lifetimes) and the
sign-in throttle under parallel guesses."""
import threading
from datetime import datetime, timedelta

import pytest

from data import clock, users
from data.db import db
from data.records import SignInFailure, UserSession
from tests.conftest import TEST_PASSWORD, make_user, sign_in_by_form, sign_out

T0 = datetime(2026, 11, 25, 9, 0)


@pytest.fixture
def frozen():
    clock.freeze(T0)
    yield lambda **delta: clock.freeze(T0 + timedelta(**delta))
    clock.freeze(None)


def signed_in(client):
    return client.get("/customers").status_code == 200


def test_a_copied_cookie_is_dead_after_sign_out(app):
    make_user()
    client = app.test_client()
    assert sign_in_by_form(client).status_code == 303
    stolen = app.test_client()
    stolen.set_cookie("session", client.get_cookie("session").value)
    assert signed_in(stolen)
    sign_out(client)
    assert not signed_in(stolen)
    assert stolen.post("/customers/new", data={"name": "x"}).status_code in (302, 400)  # no write either
    assert UserSession.get().revoked


def test_the_cookie_carries_a_token_whose_hash_only_is_stored(app):
    make_user()
    client = app.test_client()
    assert sign_in_by_form(client).status_code == 303
    with client.session_transaction() as session:
        token = session["sid"]
        assert "user_id" not in session
    row = UserSession.get()
    assert token not in row.id and len(row.id) == 64


def test_a_session_ends_after_30_idle_minutes_and_activity_keeps_it(app, frozen):
    make_user()
    client = app.test_client()
    assert sign_in_by_form(client).status_code == 303
    frozen(minutes=29)
    assert signed_in(client)
    frozen(minutes=58)  # 29 minutes after the last request
    assert signed_in(client)
    frozen(minutes=88)
    assert not signed_in(client)
    frozen(minutes=89)
    assert not signed_in(client)  # an ended session does not come back


def test_a_session_ends_12_hours_after_sign_in_however_active(app, frozen):
    make_user()
    client = app.test_client()
    assert sign_in_by_form(client).status_code == 303
    for minutes in range(20, 12 * 60, 20):
        frozen(minutes=minutes)
        assert signed_in(client), minutes
    frozen(hours=12)
    assert not signed_in(client)


def test_last_seen_is_written_at_most_once_a_minute(app, frozen):
    make_user()
    client = app.test_client()
    assert sign_in_by_form(client).status_code == 303
    frozen(seconds=50)
    assert signed_in(client)
    assert UserSession.get().last_seen_at == T0
    frozen(seconds=70)
    assert signed_in(client)
    assert UserSession.get().last_seen_at == T0 + timedelta(seconds=70)


def test_lifetimes_are_configurable(app, frozen):
    from app import create_app

    short = create_app({**app.config, "SESSION_IDLE_MINUTES": "5", "SESSION_MAX_HOURS": "1"})
    make_user()
    client = short.test_client()
    assert sign_in_by_form(client).status_code == 303
    frozen(minutes=4)
    assert signed_in(client)
    frozen(minutes=10)
    assert not signed_in(client)
    client = short.test_client()
    assert sign_in_by_form(client).status_code == 303
    for minutes in (14, 18, 22, 26, 30, 34, 38, 42, 46, 50, 54, 58):
        frozen(minutes=minutes)
        assert signed_in(client)
    frozen(minutes=70)
    assert not signed_in(client)


@pytest.mark.parametrize("value", ["0", "-5", "half an hour", ""])
def test_a_bad_lifetime_stops_the_start_with_its_name(app, value):
    from app import create_app

    with pytest.raises(ValueError, match="SESSION_IDLE_MINUTES"):
        create_app({**app.config, "SESSION_IDLE_MINUTES": value})


def test_a_forged_or_odd_token_is_no_session(app):
    make_user()
    client = app.test_client()
    for token in ("x" * 43, "", 12, ["a"], "y" * 5000):
        with client.session_transaction() as session:
            session["sid"] = token
        assert not signed_in(client)


def test_sign_in_replaces_the_session_it_finds(app):
    """No fixation: a token planted before sign-in is not the one signed in."""
    make_user()
    client = app.test_client()
    with client.session_transaction() as session:
        session["sid"] = "planted"
    assert sign_in_by_form(client).status_code == 303
    with client.session_transaction() as session:
        assert session["sid"] != "planted"


def test_parallel_guesses_are_held_to_the_limit(database):
    """40 guesses at once used to get 16 evaluated against a limit of 5: each
    attempt now counts before its (slow) password check."""
    make_user("target")
    threads = 24  # below the connection pool's 32
    start = threading.Barrier(threads)
    outcomes = []

    def guess(n):
        with db.connection_context():
            start.wait()
            try:
                users.authenticate("target", f"wrong guess {n}", f"203.0.113.{n}")
            except users.SignInRefused as refused:
                outcomes.append(refused.message)

    workers = [threading.Thread(target=guess, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(outcomes) == threads
    assert outcomes.count("Wrong user name or password.") == users.MAX_PER_USER
    assert SignInFailure.select().where(SignInFailure.user_name == "target").count() == users.MAX_PER_USER


def test_a_right_password_clears_the_reserved_attempt(database):
    make_user("ok")
    users.authenticate("ok", TEST_PASSWORD, "198.51.100.1")
    assert SignInFailure.select().count() == 0
