"""The real queue: a worker process (``flask --app app worker``) runs a bulk job from
huey's SQLite storage, or Redis when REDIS_URL is set; killed with SIGKILL mid-job,
it leaves exactly its committed batches, and a new worker finishes the job without
doing any customer twice (issue 13)."""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import jobs
from data import bulk_jobs
from data import seed as demo
from data.access import Viewer
from data.bulk_records import BulkJob, BulkOutcome
from data.db import db
from data.models import Customer
from data.records import History
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[1]
STORAGES = ["sqlite"] + (["redis"] if os.environ.get("REDIS_URL") else [])


@pytest.fixture(params=STORAGES)
def queue(request, app, database_url, tmp_path):
    """The queue's settings for this test and a worker it starts, and the app's queue pointed at it."""
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test",
           "BULK_BATCH_SIZE": "50", "HUEY_NAME": f"test-{uuid.uuid4().hex[:8]}"}
    env.pop("HUEY_FILE", None)
    if request.param == "redis":
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    else:
        env.pop("REDIS_URL", None)
        env["HUEY_FILE"] = str(tmp_path / "huey.sqlite3")
    config = {"REDIS_URL": env.get("REDIS_URL"), "HUEY_FILE": env.get("HUEY_FILE"), "HUEY_NAME": env["HUEY_NAME"],
              "HUEY_IMMEDIATE": False}
    jobs.configure(config, str(tmp_path))
    workers = []

    def start_worker():
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker", "--workers", "1"],
                                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        workers.append(process)
        return process

    yield start_worker
    for process in workers:
        if process.poll() is None:
            process.kill()
            process.wait()
    jobs.huey.storage.flush_all()
    jobs.configure(app.config, app.instance_path)


def wait_for(condition, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with db.connection_context():
            found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_killed_worker_leaves_its_committed_batches_and_a_new_one_finishes(database, queue):
    demo.seed(3000)
    Customer.update(blocked=False, terminated_at=None, provisionally_terminated_at=None, exported_at=None).execute()
    total = Customer.select().count()
    job = bulk_jobs.create(Viewer("alice", "operator_admin"), "block", "", "scope=all", [], "all", total)
    db.close()
    first = queue()
    jobs.run_bulk_job(job.id)
    wait_for(lambda: BulkJob.get_by_id(job.id).changed >= 400)
    first.send_signal(signal.SIGKILL)
    first.wait()

    with db.connection_context():
        killed = BulkJob.get_by_id(job.id)
        assert killed.state == "running" and 400 <= killed.done < total
        outcomes = BulkOutcome.select().where(BulkOutcome.job == job.id)
        # Exactly the committed batches: whole batches, and their history, nothing of a half one.
        assert outcomes.count() == killed.done and killed.done % 50 == 0
        assert max(o.customer_id for o in outcomes) == killed.last_id
        actor = f"alice (bulk job #{job.id})"
        assert History.select().where((History.actor == actor) & (History.field == "blocked")).count() == killed.changed
        assert Customer.select().where(Customer.blocked).count() == killed.changed
    queue()  # a new worker: it sees the job's holder is gone and resumes it
    finished = wait_for(lambda: (lambda j: j if j.state == "done" else None)(BulkJob.get_by_id(job.id)))
    with db.connection_context():
        assert finished.changed == total and finished.skipped == 0
        assert BulkOutcome.select().where(BulkOutcome.job == job.id).count() == total
        assert History.select().where((History.actor == actor) & (History.field == "blocked")).count() == total
        assert Customer.select().where(~Customer.blocked).count() == 0


def test_ctrl_c_stops_the_worker_after_its_batch_and_the_job_resumes(database, queue):
    for n in range(1500):
        Customer.create(name=f"Customer {n:05d}", currency="USD")
    job = bulk_jobs.create(Viewer("alice", "operator_admin"), "block", "", "scope=all", [], "all", 1500)
    db.close()
    worker = queue()
    jobs.run_bulk_job(job.id)
    wait_for(lambda: BulkJob.get_by_id(job.id).changed >= 200)
    worker.send_signal(signal.SIGINT)
    assert worker.wait(30) == 0  # it does not wait for the whole job
    with db.connection_context():
        stopped = BulkJob.get_by_id(job.id)
        assert stopped.state == "running" and stopped.runner == "" and stopped.done < 1500
        assert BulkOutcome.select().where(BulkOutcome.job == job.id).count() == stopped.done
    queue()
    finished = wait_for(lambda: (lambda j: j if j.state == "done" else None)(BulkJob.get_by_id(job.id)))
    assert finished.changed == 1500


def _ctrl_c_stops_make_demo(tmp_path, ready, ignoring=False):
    """``make demo``, Ctrl-C (SIGINT to its whole process group, as a terminal sends it) once
    the worker runs (``ready``: and the app answers), then: make ends, the app and the worker
    with it. ``ignoring``: make started with SIGINT ignored, as a script's background job is."""
    import shutil
    import socket
    import urllib.request
    if not shutil.which("make"):
        pytest.skip("needs make")
    venv = Path(sys.executable).parent.parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "MAKEFLAGS": "", "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": "",
           "HUEY_FILE": ""}
    demo = subprocess.Popen(["make", "-s", "-o", f"{venv}/bin/flask", "demo", f"VENV={venv}", f"PORT={port}",
                             "DEMO_CUSTOMERS=20"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignoring else None)

    def session():
        # -ww: whole command lines (cut to 80 columns otherwise, "--app app worker" with them).
        out = subprocess.run(["ps", "-ww", "-eo", "pid=,sid=,args="], capture_output=True, text=True).stdout
        return [line for line in out.splitlines() if line.split()[1] == str(demo.pid)]

    try:
        deadline = time.monotonic() + 120
        while ready:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline and demo.poll() is None, "the demo did not start"
            time.sleep(0.3)
        wait_until = time.monotonic() + 120
        # The worker's own process (the recipe's shell holds the words too, followed by more).
        while not any(line.endswith("--app app worker") for line in session()):
            assert time.monotonic() < wait_until and demo.poll() is None, session()
            time.sleep(0.05)
        if not ready:
            time.sleep(0.3)   # past the start of its interpreter, not yet its own signal handler
        os.killpg(demo.pid, signal.SIGINT)
        demo.wait(60)
        time.sleep(1)
        assert session() == []  # the app and the worker are gone
    finally:
        if demo.poll() is None or session():
            os.killpg(demo.pid, signal.SIGKILL)


@pytest.mark.skipif(bool(PG_URL), reason="the demo runs on its own SQLite file whatever the suite's "
                    "database: the SQLite run covers it")
def test_make_demo_runs_the_worker_beside_the_app_and_ctrl_c_stops_both(tmp_path):
    _ctrl_c_stops_make_demo(tmp_path, ready=True)


@pytest.mark.skipif(bool(PG_URL), reason="the demo runs on its own SQLite file whatever the suite's "
                    "database: the SQLite run covers it")
def test_ctrl_c_stops_a_demo_started_where_sigint_is_ignored(tmp_path):
    """The app inherited an ignored SIGINT from make (CI's script ran the suite as a background
    job): the worker stopped, the app served on, and make waited for good."""
    _ctrl_c_stops_make_demo(tmp_path, ready=True, ignoring=True)


@pytest.mark.skipif(bool(PG_URL), reason="the demo runs on its own SQLite file whatever the suite's "
                    "database: the SQLite run covers it")
def test_ctrl_c_while_the_demo_worker_still_starts_stops_it_too(tmp_path):
    """A job started with & ignores SIGINT (sh without job control): Ctrl-C before the worker
    had set its own handler was lost, and so was the trap's kill, and make waited for good
    (the first test failed so on a slow, busy machine)."""
    _ctrl_c_stops_make_demo(tmp_path, ready=False)


def test_an_idle_worker_looks_at_the_queue_every_second(app, runner, monkeypatch):
    """huey's idle consumer backs off to 10 s between polls of its SQLite queue, so a job
    started after a quiet spell would wait that long; the worker caps it at 1 s."""
    from huey.consumer import Consumer
    monkeypatch.setattr(Consumer, "run", lambda self: None)
    result = runner.invoke(args=["worker", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert jobs._settings["consumer"].max_delay <= 1.0
