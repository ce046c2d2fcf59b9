"""The Customer classes pages at scale, through the Flask app: ``GET /classes`` (a count per
class) and ``GET /classes/<id>`` of every class (the next maintenance run, counted by the
queries maintenance charges by), the median of ``--runs`` after a warm-up.

    python bench/classes.py --database-url sqlite:////tmp/cm.db
    python bench/classes.py --database-url postgresql://postgres@127.0.0.1:5432/cm

The database must exist already (``flask seed --customers N``: five classes, fees in every
demo currency); this script only reads it (and adds a user "bench" to sign in). The load
average is printed beside every figure: compare runs only at similar load. Figures, not
pass/fail tests.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def timed(client, path, runs):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from search import signed_in_client  # bench/search.py

    from app import create_app
    from data.db import db
    from data.models import Customer, CustomerClass

    app = create_app({"DATABASE_URL": args.database_url})
    client = signed_in_client(app)
    with app.app_context(), db.connection_context():
        total = Customer.select().count()
        rows = [(c.id, c.name, Customer.select().where(Customer.customer_class == c.id).count())
                for c in CustomerClass.select().order_by(CustomerClass.id)]
    print(f"{total:,} customers")
    print(f"GET /classes: {timed(client, '/classes', args.runs) * 1000:.0f} ms (load {os.getloadavg()[0]:.1f})")
    for class_id, name, customers in rows:
        seconds = timed(client, f"/classes/{class_id}", args.runs)
        print(f"GET /classes/{class_id} ({name}, {customers:,} customers): {seconds * 1000:.0f} ms "
              f"(load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
