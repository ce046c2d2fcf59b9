"""SIGKILL in the middle of a large import and of payments: the database stays consistent."""
import csv
import http.client
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from data.db import db, is_postgres
from data.models import Customer
from data.records import History, Payment
from tests import factories
from tests.conftest import HTMX, TEST_PASSWORD, make_user
from tests.live import Session, free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]


def environment(database_url):
    return {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "crash-test", "PYTHONPATH": str(ROOT)}


def writer_busy(database_url):
    """Whether another process is writing customers right now (inside its transaction)."""
    if is_postgres():
        return db.execute_sql(
            "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'customer' "
            "AND n.nspname = current_schema() AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()"
        ).fetchone()[0] > 0
    probe = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def test_import_killed_while_writing_leaves_nothing(app, database_url, tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "currency", "city", "email"])
        for n in range(30_000):
            writer.writerow([f"Imported {n:05d}", "EUR", "Porto", f"c{n}@example.org"])
    command = [sys.executable, "-m", "flask", "--app", "app", "import-customers", str(path)]
    process = subprocess.Popen(command, cwd=ROOT, env=environment(database_url),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not writer_busy(database_url):
        assert process.poll() is None, "the import ended before it was caught writing"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.5)  # well into the writing
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert Customer.select().count() == 0  # all or nothing: nothing
    if not is_postgres():
        check = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        check.close()
    subprocess.run(command, cwd=ROOT, env=environment(database_url), check=True, capture_output=True)
    assert Customer.select().count() == 30_000  # and the same file, not interrupted: all


def test_server_killed_during_payments_keeps_balances_equal_to_their_history(app, database_url):
    customers = [factories.customer(f"Payer {n}", balance=Decimal("100")).id for n in range(8)]
    make_user()
    db.close()
    port = free_port()
    env = {**environment(database_url), "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "THREADS": "4",
           "ACCESS_LOG": "/dev/null", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until_healthy(port, server)
        acknowledged = {c: 0 for c in customers}
        stop, signed_in = threading.Event(), threading.Barrier(len(customers) + 1)
        # One sign-in at a time: each attempt counts against the account's limit of 5 until its
        # password is checked, so 8 at once (under load) could be refused as too many.
        one_at_a_time = threading.Lock()

        def pay(customer):
            with Session(port) as session:
                with one_at_a_time:
                    session.sign_in("admin", TEST_PASSWORD)
                signed_in.wait()
                while not stop.is_set():
                    try:
                        # As htmx sends it: 200 is "recorded", anything else a refusal.
                        status, _ = session.call("POST", f"/customers/{customer}/payments",
                                                 {"amount": "0.01", "method": "cash"}, HTMX)
                    except (OSError, http.client.HTTPException):
                        return  # the server is gone
                    if status == 200:
                        acknowledged[customer] += 1

        threads = [threading.Thread(target=pay, args=(c,)) for c in customers]
        for t in threads:
            t.start()
        signed_in.wait(timeout=60)
        deadline = time.monotonic() + 60
        while sum(acknowledged.values()) < 5 * len(customers) and time.monotonic() < deadline:
            time.sleep(0.05)  # until payments are flowing on every connection
        os.killpg(server.pid, signal.SIGKILL)  # master and workers, mid-payment
        stop.set()
        for t in threads:
            t.join()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    assert sum(acknowledged.values()) > 0
    for customer in customers:
        c = Customer.get_by_id(customer)
        paid = Payment.select().where(Payment.customer == customer).count()
        recorded = History.select().where((History.customer_id == customer) & (History.action == "payment")
                                          & (History.field == "payment")).count()
        assert paid >= acknowledged[customer]  # every acknowledged payment is there
        assert paid <= acknowledged[customer] + 1  # at most the one in flight when killed, whole
        assert c.balance == Decimal("100") - Decimal("0.01") * paid  # balance = its history
        assert recorded == paid


@pytest.fixture(autouse=True)
def _close_after(app):
    yield
    if not db.is_closed():
        db.close()
