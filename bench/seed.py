"""Seed benchmark: ``flask seed`` into a fresh database, timed, with its peak memory.

    python bench/seed.py --customers 100000                      # SQLite, bench/out/seed-N.sqlite3
    python bench/seed.py --customers 1000000 --runs 3            # the issue's target: <= 60 s
    python bench/seed.py --customers 100000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/test --schema seed_bench
    python bench/seed.py --customers 3000 --digest                # what was written, as one hash per table

Each run starts from an empty database (SQLite: a new file; PostgreSQL: the schema
``--schema`` dropped and made again, then dropped at the end) and runs the real
command in a child process, so the time includes start-up and migrations, as a
user sees it. Prints the wall time, the child's peak RSS and the load average
before and after (2 shared cores: compare runs only at similar load). The
median of ``--runs`` is printed last.

``--digest`` prints a hash of every table's rows in id order (timestamps the
seed does not choose, such as the migrations' own, left out): two versions of
the seed that write the same data print the same hashes.
"""
import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Tables the seed writes, and the columns whose values come from the clock of the run.
TABLES = {"customer_class": ("created_at",), "vendor": (), "customer": (), "customer_search": (),
          "account": (), "xdr": (), "invoice": (), "payment": (), "traffic_exchange": (),
          "subscription": (), "product": (), "tariff": (), "class_fee": ()}


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def fresh(url, schema):
    """The URL the seed runs against: an empty database (a new file, or a new schema)."""
    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return url
    import psycopg
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return url + ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={schema}")


def drop(url, schema):
    if not url.startswith("sqlite"):
        import psycopg
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def run_seed(url, customers, seed_value):
    """(seconds, CPU seconds of the command, peak RSS in MB) of one ``flask seed`` in a child process.

    The CPU time is the command's own (on SQLite nearly all the work; on PostgreSQL
    the server's share is not in it): steadier than the wall time on a busy machine.
    """
    env = dict(os.environ, DATABASE_URL=url)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "seed", "--customers", str(customers),
                    "--seed", str(seed_value)], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # ru_maxrss of children is the largest child so far: only a new maximum is this run's own.
    peak = usage.ru_maxrss if usage.ru_maxrss > before else float("nan")
    return seconds, usage.ru_utime + usage.ru_stime - cpu, peak / 1024


def digests(url):
    """``{table: sha256 of its rows in id order}`` for the tables the seed writes."""
    from app import create_app
    from data.db import db
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    out = {}
    with app.app_context(), db.connection_context():
        for table, skip in TABLES.items():
            columns = [c.name for c in db.get_columns(table) if c.name not in skip]
            h = hashlib.sha256()
            count = 0
            cursor = db.execute_sql(f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} '
                                    f'FROM "{table}" ORDER BY 1')
            for row in cursor:
                h.update(repr(tuple(str(v) for v in row)).encode())
                count += 1
            out[table] = (count, h.hexdigest()[:16])
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--database-url", help="default: a SQLite file in bench/out/")
    parser.add_argument("--schema", default="seed_bench", help="PostgreSQL: the schema made (and dropped) per run")
    parser.add_argument("--digest", action="store_true", help="print a hash of each table's rows")
    parser.add_argument("--keep", action="store_true", help="leave the PostgreSQL schema in place")
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    base = args.database_url or f"sqlite:///{out / f'seed-{args.customers}.sqlite3'}"
    backend = "SQLite" if base.startswith("sqlite") else "PostgreSQL"
    times = []
    for n in range(args.runs):
        url = fresh(base, args.schema)
        before = load()
        seconds, cpu, rss = run_seed(url, args.customers, args.seed)
        times.append(seconds)
        print(f"seed {args.customers:,} on {backend}, run {n + 1}: {seconds:.1f} s (CPU {cpu:.1f} s), "
              f"peak RSS {rss:.0f} MB, "
              f"load {before} -> {load()}", flush=True)
    if args.digest:
        for table, (count, digest) in digests(url).items():
            print(f"  {table:18} {count:9,} rows  {digest}")
    if not args.keep:
        drop(base, args.schema)
    print(f"median of {len(times)}: {statistics.median(times):.1f} s")


if __name__ == "__main__":
    main()
