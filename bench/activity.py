"""The activity log at scale, through the Flask app: first page against a deep page, each filter, staff, CSV.

    python bench/activity.py                                   # a fresh SQLite file in /tmp, 1,000,000 entries
    python bench/activity.py --rows 3000000 --database-url sqlite:////tmp/act/cm.db
    python bench/activity.py --database-url postgresql://postgres@127.0.0.1:5432/act_bench

History rows are generated in the database itself (a recursive query on SQLite,
generate_series on PostgreSQL) until the table holds ``--rows``: 50,000 customers, 20
users, 8 actions, every source, a third of the entries a reseller's, a tenth a
distributor's. Each request is warmed up, then the median of ``--runs`` printed in
milliseconds beside the load average. Figures, not pass/fail tests (issue 14's target:
"paginated fast at millions of rows": a deep page as fast as the first).
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHUNK = 200_000
COLUMNS = ("customer_id, customer_name, at, actor, action, field, old_value, new_value, source, "
           "reseller_id, distributor_id")


def _select(first, count, postgres, reseller, distributor):
    """The SELECT that makes entries ``first`` .. ``first + count - 1`` (one per second from 2025-01-01)."""
    n = "n"
    values = (f"{n} % 50000, 'Customer ' || ({n} % 50000), {{at}}, 'user' || ({n} % 20), "
              f"CASE {n} % 8 WHEN 0 THEN 'edit' WHEN 1 THEN 'block' WHEN 2 THEN 'unblock' WHEN 3 THEN 'payment' "
              f"WHEN 4 THEN 'charge' WHEN 5 THEN 'renew_spending' WHEN 6 THEN 'create' ELSE 'import' END, "
              f"'city', 'Rome', 'Paris', "
              f"CASE {n} % 4 WHEN 0 THEN 'web' WHEN 1 THEN 'command' WHEN 2 THEN 'maintenance' ELSE 'import' END, "
              f"CASE WHEN {n} % 3 = 0 THEN {reseller} END, CASE WHEN {n} % 10 = 0 THEN {distributor} END")
    if postgres:
        at = f"TIMESTAMP '2025-01-01' + {n} * INTERVAL '1 second'"
        values = values.replace("%", "%%")  # psycopg reads a lone % as a placeholder
        return f"SELECT {values.format(at=at)} FROM generate_series({first}, {first + count - 1}) AS g(n)"
    at = f"datetime('2025-01-01', '+' || {n} || ' seconds')"
    return (f"WITH RECURSIVE g(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM g WHERE n < {first + count - 1}) "
            f"SELECT {values.format(at=at)} FROM g")


def fill(rows):
    from data.db import db, is_postgres
    from data.models import Customer
    from data.records import History, User
    from tests.conftest import make_user

    reseller = Customer.get_or_none(Customer.name == "Bench Reseller") or Customer.create(
        name="Bench Reseller", currency="USD", customer_type="reseller")
    distributor = Customer.get_or_none(Customer.name == "Bench Distributor") or Customer.create(
        name="Bench Distributor", currency="USD", customer_type="distributor")
    for name, role, owner in (("bench", "operator_admin", None), ("bench-staff", "reseller_staff", reseller)):
        if not User.select().where(User.name == name).exists():
            make_user(name, role, owner)
    have = History.select().count()
    started = time.perf_counter()
    while have < rows:
        count = min(CHUNK, rows - have)
        with db.atomic():
            db.execute_sql(f"INSERT INTO history ({COLUMNS}) "
                           + _select(have, count, is_postgres(), reseller.id, distributor.id))
        have += count
        print(f"  {have:,} entries ({time.perf_counter() - started:.0f} s)", flush=True)
    db.execute_sql("ANALYZE")


def client_for(app, name):
    from data import sessions
    from data.db import db
    from data.records import User
    from views.auth import SESSION_KEY
    with app.app_context(), db.connection_context():
        token = sessions.start(User.get(User.name == name).id)
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_KEY] = token
    return client


def timed(client, url, runs):
    client.get(url)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        body = response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), len(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="sqlite:////tmp/activity-bench/cm.sqlite3")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.database_url.startswith("sqlite:///"):
        Path(args.database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)

    from app import create_app
    from data.activity import Cursor
    from data.db import db
    from data.records import History

    app = create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": "bench"})
    with app.app_context(), db.connection_context():
        fill(args.rows)
        total = History.select().count()
        deep = History.select(History.at, History.id).order_by(History.at, History.id).offset(total // 20).first()
        cursor = Cursor(deep.at, deep.id).text()
        reseller_deep = (History.select(History.at, History.id).where(History.reseller_id.is_null(False))
                         .order_by(History.at, History.id).offset(total // 60).first())
        staff_cursor = Cursor(reseller_deep.at, reseller_deep.id).text()
    admin, staff = client_for(app, "bench"), client_for(app, "bench-staff")
    print(f"{total:,} entries; load average {os.getloadavg()[0]:.2f}")
    cases = [
        ("first page", admin, "/activity"),
        ("deep page (95% down)", admin, f"/activity?before={cursor}"),
        ("newer from the deep page", admin, f"/activity?after={cursor}"),
        ("user", admin, "/activity?user=user7"),
        ("user, deep", admin, f"/activity?user=user7&before={cursor}"),
        ("action", admin, "/activity?action=block"),
        ("source", admin, f"/activity?source=import&before={cursor}"),
        ("customer id", admin, "/activity?customer=4242"),
        ("customer name part (common)", admin, "/activity?customer=customer 1"),
        ("customer name part (one customer)", admin, "/activity?customer=customer 42424"),
        ("one day", admin, "/activity?from=2025-01-05&to=2025-01-05"),
        ("user + action + days", admin, "/activity?user=user3&action=payment&from=2025-01-02&to=2025-01-09"),
        ("reseller staff", staff, "/activity"),
        ("reseller staff, deep", staff, f"/activity?before={staff_cursor}"),
        ("CSV, one user (5%)", admin, "/activity.csv?user=user7"),
    ]
    for label, client, url in cases:
        ms, size = timed(client, url, args.runs)
        print(f"{label:36} {ms:9.1f} ms  {size / 1024:8.0f} KiB  load {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
