"""The data side of browser imports (data/imports.py, data/import_files.py): the dry run,
who may import, the claim, resuming after a killed worker, cancel, the file checks."""
import os
from datetime import UTC, datetime, timedelta

import pytest

import jobs
from app import create_app
from data import clock, importer, imports
from data.access import PERMISSIONS, Viewer
from data.import_files import Folder, Progress, count_records, sniff
from data.import_records import CustomerImport, ImportProblem
from data.models import Customer
from data.records import History

GOOD = "name,customer_type,reseller,currency\nAlpha,retail,,USD\nBeta,reseller,,EUR\nGamma,retail,Beta,EUR\n"
ADMIN = Viewer("alice", "operator_admin")


@pytest.fixture
def folder(tmp_path):
    return Folder(tmp_path / "imports").ensure()


def stored_file(folder, text):
    handle, stored = folder.new_upload()
    with handle:
        handle.write(text.encode("utf-8"))
    return stored


def new_import(folder, text=GOOD, state="checking"):
    stored = stored_file(folder, text)
    found = imports.create(ADMIN, "file.csv", len(text), stored, "")
    CustomerImport.update(state=state).where(CustomerImport.id == found.id).execute()
    return CustomerImport.get_by_id(found.id)


def test_a_dry_run_counts_what_it_would_add_and_writes_nothing(database, tmp_path):
    path = tmp_path / "good.csv"
    path.write_text(GOOD)
    assert importer.import_customers(str(path), dry_run=True) == 3
    assert Customer.select().count() == 0 and History.select().count() == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("name,currency\nA,QQQ\n")
    with pytest.raises(importer.ImportFailed) as failed:
        importer.import_customers(str(bad), dry_run=True)
    assert [p.line for p in failed.value.problems] == [2]
    assert importer.import_customers(str(path)) == 3  # and the real one still writes


def test_only_roles_that_may_do_everything_a_file_does_for_every_owner_may_import():
    allowed = {role for role in PERMISSIONS
               if imports.may_import(Viewer("x", role, 1 if role.endswith("staff") else None))}
    assert allowed == {"operator_admin"}


def test_the_check_then_the_import(database, folder):
    found = new_import(folder)
    checked = imports.run(found.id, folder)
    assert checked.state == "ready" and checked.lines == 3 and checked.used_encoding == "utf-8-sig"
    assert Customer.select().count() == 0
    imports.start_import(checked)
    done = imports.run(found.id, folder)
    assert done.state == "imported" and done.added == 3 and done.stored == ""
    assert not os.listdir(folder.root)  # the file and its notes are gone
    assert History.select().where(History.actor == f"alice (import #{found.id})").count() == 3


def test_problems_are_stored_with_their_lines(database, folder):
    found = new_import(folder, "name,currency\nA,USD\nB,QQQ\nA,USD\n")
    checked = imports.run(found.id, folder)
    assert checked.state == "problems" and checked.problem_count == 2 and checked.lines == 3
    assert [(p.line, p.message[:5]) for p in imports.problems(checked)] == [(3, "curre"), (4, "name:")]
    again = imports.check_again(checked, folder, "cp1252")
    assert again.state == "checking" and again.encoding == "cp1252"
    assert ImportProblem.select().count() == 0


def test_of_two_workers_only_one_claims(database, folder):
    found = new_import(folder)
    assert imports.claim(found.id, folder, "host:1:a")
    assert not imports.claim(found.id, folder, "host:2:b")
    assert imports.run(found.id, folder) is None  # held by a live runner: not run twice


def test_a_killed_workers_job_is_queued_again_and_nobody_elses(database, folder):
    found = new_import(folder)
    import socket
    dead = f"{socket.gethostname()}:999999999:dead"
    CustomerImport.update(runner=dead).where(CustomerImport.id == found.id).execute()
    new_import(folder)  # just queued: its message is on its way
    alive = new_import(folder)
    CustomerImport.update(runner=f"{socket.gethostname()}:{os.getpid()}:me", heartbeat_at=clock.utcnow()).where(
        CustomerImport.id == alive.id).execute()
    assert imports.to_resume(folder) == [found.id]  # the fresh one's message is on its way
    assert imports.run(found.id, folder).state == "ready"


def test_a_worker_killed_after_the_commit_is_not_imported_twice(database, folder):
    found = new_import(folder, state="importing")
    # The import committed, then the worker died before its bookkeeping.
    importer.import_customers(folder.path(found.stored), actor=found.actor)
    done = imports.run(found.id, folder)
    assert done.state == "imported" and done.added == 3 and Customer.select().count() == 3


def test_cancel_rolls_the_running_job_back(database, folder):
    found = new_import(folder, state="importing")
    imports.claim(found.id, folder, "host:1:a")  # as a worker that has started
    imports.discard(CustomerImport.get_by_id(found.id), folder)
    assert folder.cancelled(found.stored)
    CustomerImport.update(runner="").where(CustomerImport.id == found.id).execute()
    # The worker reads the note at its next progress report: rolled back, ready again.
    with pytest.raises(Exception):  # noqa: B017 - any: run() must not swallow it silently
        Progress(folder, found.stored)(1)
    stopped = imports.run(found.id, folder)
    assert stopped.state == "ready" and "nothing was imported" in stopped.error
    assert Customer.select().count() == 0 and not folder.cancelled(found.stored)


def test_cancelling_a_queued_check_discards_it_at_once(database, folder):
    found = new_import(folder)
    ended = imports.discard(found, folder)
    assert ended.state == "discarded" and ended.stored == "" and not os.listdir(folder.root)


def test_sniff_and_count(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("\ufeffname,currency\nA,USD\n\nB,EUR\n".encode())
    assert sniff(str(path)) is None and count_records(str(path), "utf-8-sig") == 2
    path.write_bytes(b"name;currency\n")
    assert "first line must name the columns" in sniff(str(path))
    path.write_bytes("name,currency\n".encode("utf-16"))
    assert sniff(str(path)) is None


def test_progress_notes_bytes_and_heartbeat(folder):
    stored = stored_file(folder, GOOD)
    with Progress(folder, stored) as progress:
        progress(1000)
        progress.written_at = 0
        progress(24)
    assert folder.bytes_done(stored) == 1024 and folder.heartbeat(stored) is not None


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's database-wide write lock")
def test_pages_do_not_wait_for_an_import_holding_the_write_lock(database, app):
    """A signed-in page's session touch is skipped while an import holds SQLite's write
    lock, instead of waiting the busy timeout and failing the page."""
    import sqlite3
    import time
    from datetime import timedelta

    from data import sessions
    from data.records import UserSession
    from tests.conftest import make_user

    user = make_user()
    token = sessions.start(user.id)
    UserSession.update(last_seen_at=clock.utcnow() - timedelta(minutes=5)).execute()
    holder = sqlite3.connect(app.config["DATABASE_URL"].split("sqlite:///", 1)[1])
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        assert sessions.resume(token).id == user.id
        assert time.monotonic() - started < 3
    finally:
        holder.rollback()
        holder.close()
    sessions.resume(token)  # the lock is free again: touched now
    assert clock.utcnow() - UserSession.get().last_seen_at < timedelta(minutes=1)


def _age(path, when):
    stamp = when.replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))


def test_a_checked_file_nobody_imports_is_discarded_after_a_week(database, folder):
    """Uploads nobody finished must not fill the disk: a file that passed its check (or had
    problems, or failed) and then waited longer than the keep time is discarded and deleted;
    a running job, a fresh file and a finished import are left alone."""
    now = clock.utcnow()
    old = now - timedelta(days=8)
    waiting = {state: new_import(folder, state=state) for state in ("ready", "problems", "failed")}
    fresh, running = new_import(folder, state="ready"), new_import(folder, state="importing")
    CustomerImport.update(created_at=old, checked_at=old).where(
        CustomerImport.id.in_([w.id for w in waiting.values()] + [running.id])).execute()
    # Checked again yesterday: the week counts from then.
    CustomerImport.update(created_at=old, checked_at=now - timedelta(days=1)).where(
        CustomerImport.id == fresh.id).execute()
    assert sorted(imports.expire(folder, now)) == sorted(w.id for w in waiting.values())
    for row in waiting.values():
        gone = CustomerImport.get_by_id(row.id)
        assert (gone.state, gone.stored) == ("discarded", "")
        assert gone.error == "Discarded automatically: the file waited 7 days without being imported."
        assert not folder.exists(row.stored)
    for row in (fresh, running):
        assert CustomerImport.get_by_id(row.id).state == row.state and folder.exists(row.stored)
    assert imports.expire(folder, now) == []  # nothing twice
    # A shorter keep time (IMPORT_KEEP_DAYS) reaches the one checked yesterday.
    assert imports.expire(folder, now, keep=timedelta(hours=12)) == [fresh.id]


def test_an_upload_no_import_names_is_deleted_after_a_day(database, folder):
    """A request cut off mid-upload leaves a file and no import: it goes once a day old,
    never while it may still be arriving; files that are not uploads stay."""
    now = clock.utcnow()
    orphan, arriving = stored_file(folder, GOOD), stored_file(folder, GOOD)
    named = new_import(folder, state="ready")
    other = os.path.join(folder.root, "notes.txt")
    with open(other, "w") as handle:
        handle.write("kept")
    for path in (folder.path(orphan), folder.path(named.stored), other):
        _age(path, now - timedelta(days=2))
    imports.expire(folder, now)
    assert not folder.exists(orphan)
    assert folder.exists(arriving) and folder.exists(named.stored) and os.path.exists(other)


def test_the_worker_expires_them_hourly_after_import_keep_days(app, database, folder):
    """The worker's hourly task, with the keep time of IMPORT_KEEP_DAYS (days, fractions too)."""
    stale = new_import(folder, state="ready")
    CustomerImport.update(created_at=clock.utcnow() - timedelta(hours=13)).where(
        CustomerImport.id == stale.id).execute()
    jobs.configure({**app.config, "IMPORT_FOLDER": folder.root, "IMPORT_KEEP_DAYS": "0.5"}, app.instance_path)
    try:
        assert jobs.expire_imports.call_local() == [stale.id]
    finally:
        jobs.configure(app.config, app.instance_path)
    assert CustomerImport.get_by_id(stale.id).error == (
        "Discarded automatically: the file waited 0.5 days without being imported.")
    hourly = [datetime(2026, 11, 27, hour, minute) for hour in (0, 13) for minute in range(60)]
    assert [at.minute for at in hourly if jobs.expire_imports.task_class().validate_datetime(at)] == [17, 17]
    with pytest.raises(ValueError, match="IMPORT_KEEP_DAYS"):
        create_app({**app.config, "IMPORT_KEEP_DAYS": "0"})
