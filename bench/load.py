"""Load and fault check: many clients against gunicorn, then every acknowledged write verified.

    python bench/load.py                                   # SQLite, 100,000 customers
    python bench/load.py --database-url "postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dload,public"

Seeds the database with the seed command (kept in bench/out/), starts gunicorn on
loopback with the production config, signs in N clients (default 16) and for the
given time (default 60 s) lets each mix live searches, CSV exports, status
changes and payments on customers of its own (so the expected final state is
known). Then it checks that every acknowledged payment and status change is in
the database and in the history, and prints latency percentiles and throughput.
"""
import argparse
import http.client
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.live import Session  # noqa: E402  (the same HTTP session the fault tests use)

TERMS = ["son", "eric", "mül", "hammer", "berlin", "example.org", "smith", "anna", "tokyo", "acme"]


def flask(url, *args, stdin=None):
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, check=True).stdout


class Client(Session):
    """One signed-in browser-like session; changes are sent as htmx sends them, so 200 means
    done and 409/422 refused (a browser without htmx gets a 303 either way)."""

    def __init__(self, port):
        super().__init__(port, timeout=60)

    def request(self, method, path, form=None):
        return self.call(method, path, form, {"HX-Request": "true"} if form is not None else None)


# Sign-ins one at a time: an attempt counts against the account's limit (5) until its
# password is checked, so many clients of one account signing in at once are refused.
_SIGN_IN = threading.Lock()


def run_client(index, port, password, deadline, customers, results):
    client = Client(port)
    with _SIGN_IN:
        client.sign_in("loadtest", password)
    rng = random.Random(index)
    mine = [c for c in customers if c % len(results["clients"]) == index]
    while time.monotonic() < deadline:
        op = rng.choices(["search", "csv", "status", "payment"], weights=[50, 5, 20, 25])[0]
        started = time.perf_counter()
        try:
            if op == "search":
                status, _ = client.request("GET", "/customers?" + urlencode({"scope": "all", "q": rng.choice(TERMS)}))
                ok = status == 200
            elif op == "csv":
                status, _ = client.request("GET", "/customers.csv?scope=all&flt0_name_begins_with=" +
                                           rng.choice("abcdefghjkl") + rng.choice("aeiou"))
                ok = status == 200
            elif op == "status":
                customer = rng.choice(mine)
                blocked = rng.random() < 0.5
                status, body = client.request("POST", f"/customers/{customer}/status",
                                              {"action": "set_blocked", **({"blocked": "1"} if blocked else {})})
                ok = status == 200
                if ok:
                    results["status"][customer].append(blocked)
            else:
                customer = rng.choice(mine)
                status, _ = client.request("POST", f"/customers/{customer}/payments",
                                           {"amount": "0.01", "method": "cash"})
                ok = status == 200
                if ok:
                    results["payments"][customer] += 1
        except Exception as error:  # a broken connection is an error, not a crash of the bench
            status, ok = repr(error), False
            client.reconnect()
        results["latency"][op].append((time.perf_counter() - started) * 1000)
        if not ok:
            results["errors"].append((op, status))


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{out / f'load-{args.customers}.sqlite3'}"
    print(flask(url, "seed", "--customers", str(args.customers), "--only-if-empty").strip())
    password = flask(url, "demo-admin", "--name", "loadtest").rsplit(": ", 1)[1].strip()

    from app import create_app
    from data.db import db
    from data.models import Customer
    from data.records import History, Payment

    app = create_app({"DATABASE_URL": url})
    with app.app_context(), db.connection_context():
        # Customers whose block and payments are allowed: served, not terminated or exported.
        customers = [i for (i,) in Customer.select(Customer.id).where(
            Customer.terminated_at.is_null() & Customer.provisionally_terminated_at.is_null()
            & Customer.exported_at.is_null()).order_by(Customer.id).limit(2000).tuples()]
        before = {c.id: (c.balance, c.available_funds, c.balance_control, c.blocked) for c in
                  Customer.select().where(Customer.id.in_(customers))}
        start_history = History.select().count()
        start_payments = Payment.select().count()

    env = {**os.environ, "DATABASE_URL": url, "BIND": f"127.0.0.1:{args.port}", "SECRET_KEY": "load-test",
           "WEB_CONCURRENCY": str(args.workers), "THREADS": "4", "ACCESS_LOG": "/dev/null", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                              env=env, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        results = {"clients": list(range(args.clients)), "latency": defaultdict(list), "errors": [],
                   "payments": defaultdict(int), "status": defaultdict(list)}
        deadline = time.monotonic() + args.seconds
        started = time.monotonic()
        threads = [threading.Thread(target=run_client, args=(i, args.port, password, deadline, customers, results))
                   for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)
        _, log = server.communicate(timeout=60)
    locked = log.count("database is locked")

    with app.app_context(), db.connection_context():
        lost, history_missing = [], 0
        for customer, count in results["payments"].items():
            c = Customer.get_by_id(customer)
            balance, funds, control, _ = before[customer]
            expected = (balance - Decimal("0.01") * count, funds) if control == "postpaid" else (
                balance, funds + Decimal("0.01") * count)
            if (c.balance, c.available_funds) != expected:
                lost.append(("payment", customer))
            paid = Payment.select().where((Payment.customer == customer) & (Payment.id > start_payments)).count()
            if paid != count:
                lost.append(("payment row", customer))
            history_missing += count - History.select().where(
                (History.customer_id == customer) & (History.id > start_history) & (History.action == "payment")
                & (History.field == "payment")).count()
        for customer, changes in results["status"].items():
            if Customer.get_by_id(customer).blocked != changes[-1]:
                lost.append(("status", customer))
            state, transitions = before[customer][3], 0
            for wanted in changes:
                transitions += wanted != state
                state = wanted
            history_missing += transitions - History.select().where(
                (History.customer_id == customer) & (History.id > start_history)
                & History.action.in_(["block", "unblock"]) & (History.field == "blocked")).count()

    total = sum(len(v) for v in results["latency"].values())
    every = [x for v in results["latency"].values() for x in v]
    print(f"\n{args.clients} clients, {args.seconds} s, gunicorn {args.workers} workers x 4 threads, "
          f"{args.customers:,} customers on {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}")
    print(f"{'operation':10} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for op, values in sorted(results["latency"].items()):
        print(f"{op:10} {len(values):7d} {percentile(values, 50):8.1f} {percentile(values, 95):8.1f} "
              f"{percentile(values, 99):8.1f}")
    print(f"{'all':10} {total:7d} {percentile(every, 50):8.1f} {percentile(every, 95):8.1f} "
          f"{percentile(every, 99):8.1f}")
    print(f"throughput: {total / elapsed:.1f} requests/s; errors: {len(results['errors'])} "
          f"{results['errors'][:5]}; 'database is locked' in the server log: {locked}")
    print(f"acknowledged payments: {sum(results['payments'].values())}, status changes: "
          f"{sum(len(v) for v in results['status'].values())}; lost writes: {len(lost)} {lost[:5]}; "
          f"changes missing from history: {history_missing}")
    median = statistics.median(every) if every else 0
    return 0 if not results["errors"] and not lost and not history_missing and median else 1


if __name__ == "__main__":
    sys.exit(main())
