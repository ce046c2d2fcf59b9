"""Search benchmark at scale: full requests through the app vs a naive full scan.

    python bench/search.py                       # 1,000,000 customers on SQLite
    python bench/search.py --customers 100000    # smaller, quicker
    python bench/search.py --database-url postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dbench

Builds the database with the seed command (kept in bench/out/ and reused when it
already has the right number of customers), then runs a fixed set of list-page
requests through the Flask app (routing, queries and rendering included) and,
for each, the same search done naively: a full scan of the customer table with
lower(...) LIKE, count plus first sorted page, no index. Prints medians and the
ratio, memory, database size against the plain table, and the one-row write
rate with every index in place. Figures, not pass/fail tests: targets are
printed next to them.
"""
import argparse
import os
import resource
import secrets
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from data import sessions  # noqa: E402
from data.db import db, is_postgres  # noqa: E402
from data.models import Customer  # noqa: E402
from data.records import Payment, User  # noqa: E402
from data.users import create_user  # noqa: E402
from views.auth import SESSION_KEY  # noqa: E402

SIMPLE = ("name", "company_name", "first_name", "last_name", "state", "city", "country", "zip", "phone",
          "email", "login")


def naive_where(column, op, value):
    """The spec's "full table scan" version of one condition (ASCII case folding only)."""
    v = value.lower().replace("'", "''") if value is not None else None
    return {
        "is": f"lower({column}) = '{v}'",
        "is_not": f"lower({column}) <> '{v}'",
        "begins_with": f"lower({column}) LIKE '{v}%'",
        "contains": f"lower({column}) LIKE '%{v}%'",
        "not_contains": f"lower({column}) NOT LIKE '%{v}%'",
        "ends_with": f"lower({column}) LIKE '%{v}'",
        "is_empty": f"{column} = ''",
        "is_not_empty": f"{column} <> ''",
    }[op]


def query_set(sample, customers):
    """(label, target ms, URL, naive WHERE) for every case of the issue's list."""
    s = sample
    deep, deep_search = max(2, customers // 200), max(2, customers // 5000)
    simple = lambda term: " OR ".join(naive_where(c, "contains", term) for c in SIMPLE)  # noqa: E731
    f = lambda n, field, op, value="": f"flt{n}_{field}_{op}={quote(value)}"  # noqa: E731
    return [
        ("list: direct customers, page 1", 100, "/customers", "reseller_id IS NULL"),
        ("list: all customers, page 1", 100, "/customers?scope=all", "1=1"),
        (f"list: all, deep page {deep}", 100, f"/customers?scope=all&page={deep}", "1=1"),
        ("list: all, sorted by balance desc", 100, "/customers?scope=all&sort=-balance", "1=1"),
        ("is: name (indexed)", 20, f"/customers?scope=all&{f(0, 'name', 'is', s['name'])}",
         naive_where("name", "is", s["name"])),
        ("is: fax (auxiliary)", 20, f"/customers?scope=all&{f(0, 'fax', 'is', s['fax'])}",
         naive_where("fax", "is", s["fax"])),
        ("is not: last name", 100, f"/customers?scope=all&{f(0, 'last_name', 'is_not', 'smith')}",
         naive_where("last_name", "is_not", "smith")),
        ("begins with: name 'john'", 20, f"/customers?scope=all&{f(0, 'name', 'begins_with', 'john')}",
         naive_where("name", "begins_with", "john")),
        ("begins with: address (auxiliary)", 20, f"/customers?scope=all&{f(0, 'address', 'begins_with', '12 ')}",
         naive_where("address", "begins_with", "12 ")),
        ("contains: name 'son'", 100, f"/customers?scope=all&{f(0, 'name', 'contains', 'son')}",
         naive_where("name", "contains", "son")),
        ("contains: address 'lane' (auxiliary)", 100,
         f"/customers?scope=all&{f(0, 'address', 'contains', 'lane')}", naive_where("address", "contains", "lane")),
        ("does not contain: email 'example.com'", 100,
         f"/customers?scope=all&{f(0, 'email', 'not_contains', 'example.com')}",
         naive_where("email", "not_contains", "example.com")),
        ("ends with: email '.org'", 100, f"/customers?scope=all&{f(0, 'email', 'ends_with', '.org')}",
         naive_where("email", "ends_with", ".org")),
        ("ends with: fax '12' (auxiliary)", 100, f"/customers?scope=all&{f(0, 'fax', 'ends_with', '12')}",
         naive_where("fax", "ends_with", "12")),
        ("is empty: fax (auxiliary)", 100, f"/customers?scope=all&{f(0, 'fax', 'is_empty')}",
         naive_where("fax", "is_empty", None)),
        ("is not empty: login", 100, f"/customers?scope=all&{f(0, 'login', 'is_not_empty')}",
         naive_where("login", "is_not_empty", None)),
        ("money: balance > 300", 100, f"/customers?scope=all&{f(0, 'balance', 'gt', '300')}",
         "balance > 30000000"),
        ("enum: status is blocked", 100, f"/customers?scope=all&{f(0, 'status', 'is', 'blocked')}", "status = 2"),
        ("simple search, common: 'son'", 100, "/customers?scope=all&q=son", simple("son")),
        ("simple search, rare: 'hammersmith'", 100, "/customers?scope=all&q=hammersmith", simple("hammersmith")),
        ("simple search, one customer", 100, f"/customers?scope=all&q={quote(s['email'])}", simple(s["email"])),
        ("simple search, no match", 100, "/customers?scope=all&q=zzqx", simple("zzqx")),
        (f"simple search, deep page {deep_search}", 100, f"/customers?scope=all&q=son&page={deep_search}",
         simple("son")),
        ("3 conditions AND", 100,
         f"/customers?scope=all&{f(0, 'name', 'contains', 'son')}&{f(1, 'email', 'ends_with', '.org')}"
         f"&{f(2, 'city', 'begins_with', 'new')}",
         " AND ".join((naive_where("name", "contains", "son"), naive_where("email", "ends_with", ".org"),
                       naive_where("city", "begins_with", "new")))),
        ("3 conditions AND, money and status", 100,
         f"/customers?scope=all&{f(0, 'last_name', 'is', 'smith')}&{f(1, 'balance', 'gt', '100')}"
         f"&{f(2, 'status', 'is', 'active')}",
         naive_where("last_name", "is", "smith") + " AND balance > 10000000 AND status = 11"),
        ("1-2 chars: simple search 'jo'", 1500, "/customers?scope=all&q=jo&go=1", simple("jo")),
        ("1-2 chars: name contains 'er'", 1500, f"/customers?scope=all&{f(0, 'name', 'contains', 'er')}&go=1",
         naive_where("name", "contains", "er")),
        ("1-2 chars: email ends with 'g'", 1500, f"/customers?scope=all&{f(0, 'email', 'ends_with', 'g')}&go=1",
         naive_where("email", "ends_with", "g")),
    ]


def median_ms(run, runs):
    run()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def naive(where, runs):
    table = "customer" if is_postgres() else "customer NOT INDEXED"
    if is_postgres():
        where = where.replace("%", "%%")  # psycopg reads % as a placeholder

    def run():
        db.execute_sql(f"SELECT COUNT(*) FROM {table} WHERE {where}").fetchall()
        db.execute_sql(f"SELECT * FROM {table} WHERE {where} ORDER BY lower(name), id LIMIT 50").fetchall()

    if is_postgres():
        for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
            db.execute_sql(f"SET {setting} = off")
    try:
        return median_ms(run, runs)
    finally:
        if is_postgres():
            db.execute_sql("RESET ALL")


def build(url, customers):
    app = create_app({"DATABASE_URL": url})
    with app.app_context(), db.connection_context():
        have = Customer.select().count()
    if have != customers:
        if have:
            sys.exit(f"{url} has {have} customers, not {customers}: remove it or pick another database.")
        print(f"Seeding {customers:,} customers with the seed command ...", flush=True)
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "seed", "--customers", str(customers)],
                       cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, check=True, stdout=subprocess.DEVNULL)
        print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
    return app


def signed_in_client(app):
    """A test client signed in as an operator administrator (every page needs a sign-in)."""
    with app.app_context(), db.connection_context():
        user = User.get_or_none(User.name == "bench") or create_user(
            "bench", "operator_admin", secrets.token_urlsafe(16))
        token = sessions.start(user.id)
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_KEY] = token
    return client


def samples():
    c = Customer.select().where(Customer.fax != "", Customer.email != "").order_by(Customer.id).offset(1234).first()
    return {"name": c.name, "fax": c.fax, "email": c.email}


def sizes():
    """(whole database, customer objects incl. search indexes, plain customer table) in MB."""
    mb = 1024 * 1024
    if is_postgres():
        plain = db.execute_sql("SELECT pg_relation_size('customer')").fetchone()[0]
        related = db.execute_sql("SELECT pg_total_relation_size('customer') + "
                                 "pg_total_relation_size('customer_search')").fetchone()[0]
        whole = db.execute_sql("SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c "
                               "JOIN pg_namespace n ON n.oid = c.relnamespace "
                               "WHERE n.nspname = current_schema() AND c.relkind = 'r'").fetchone()[0]
        return float(whole) / mb, float(related) / mb, float(plain) / mb
    rows = dict(db.execute_sql("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())
    tables = dict(db.execute_sql("SELECT name, tbl_name FROM sqlite_master").fetchall())
    related = sum(size for name, size in rows.items()
                  if tables.get(name, name).startswith(("customer", "customer_search", "customer_fts"))
                  and not tables.get(name, name).startswith("customer_class"))
    return sum(rows.values()) / mb, related / mb, rows["customer"] / mb


def write_rates(count=400):
    """One-row writes per second, each its own transaction, with every index in place."""
    ids = [i for (i,) in Customer.select(Customer.id).order_by(Customer.id).limit(count).tuples()]

    def status_changes():
        for customer_id in ids:
            with db.atomic():
                c = Customer.get_by_id(customer_id)
                c.blocked = not c.blocked
                c.save()

    def payments():
        for customer_id in ids:
            with db.atomic():
                c = Customer.get_by_id(customer_id)
                Payment.create(customer=c, amount=Decimal("1.00"), method="cash")
                c.balance -= Decimal("1.00")
                c.available_funds += Decimal("1.00")
                c.save()

    rates = {}
    for label, run in (("status change (blocked on/off)", status_changes), ("payment (insert + balance)", payments)):
        started = time.perf_counter()
        run()
        rates[label] = count / (time.perf_counter() - started)
    status_changes()  # put the blocked flags back
    Payment.delete().where(Payment.method == "cash", Payment.amount == Decimal("1.00"),
                           Payment.customer.in_(ids)).execute()
    for customer_id in ids:
        c = Customer.get_by_id(customer_id)
        c.balance += Decimal(1)
        c.available_funds -= Decimal(1)
        c.save()
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-writes", action="store_true", help="skip the write-rate measurement")
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{out / f'bench-{args.customers}.sqlite3'}"
    app = build(url, args.customers)
    client = signed_in_client(app)
    with app.app_context():
        db.connect(reuse_if_open=True)
        cases = query_set(samples(), args.customers)
        print(f"\n{args.customers:,} customers on {'PostgreSQL' if is_postgres() else 'SQLite'}, "
              f"median of {args.runs} runs (ms)\n")
        print(f"{'query':44} {'app':>8} {'naive':>8} {'ratio':>7} {'target':>7}  ok")
        failures = 0
        for label, target, path, where in cases:
            def request(path=path):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                response.get_data()

            ours = median_ms(request, args.runs)
            scan = naive(where, max(1, args.runs // 2))
            ok = ours <= target
            failures += not ok
            print(f"{label:44} {ours:8.1f} {scan:8.1f} {scan / ours:6.1f}x {target:7d}  {'yes' if ok else 'NO'}",
                  flush=True)
        csv_ms = median_ms(lambda: client.get("/customers.csv?scope=all&q=hammersmith").get_data(), 3)
        print(f"{'CSV export: simple search hammersmith':44} {csv_ms:8.1f}")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        whole, related, plain = sizes()
        print(f"\nmemory: peak RSS of the process serving the set: {rss:.0f} MB (target < 300 MB)")
        print(f"database: {whole:.0f} MB in all; customer table {plain:.0f} MB plain, "
              f"{related:.0f} MB with its indexes and search structures = {related / plain:.1f}x (target <= 8x); "
              f"whole database = {whole / plain:.1f}x")
        if not args.no_writes:
            for label, rate in write_rates().items():
                print(f"one-row writes: {label}: {rate:.0f}/s (target >= 200/s)")
        print(f"\n{failures} of {len(cases)} queries over their target")


if __name__ == "__main__":
    main()
