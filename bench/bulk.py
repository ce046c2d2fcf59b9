"""Bulk job rate and the list's speed during a job (issue 13: >= 1,000 customers/s for
block/unblock on SQLite and PostgreSQL; searches during a job within 2x their usual time).

    python bench/bulk.py --customers 100000                       # SQLite, bench/out/bulk-N.sqlite3
    python bench/bulk.py --customers 100000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/test --schema bulk_bench

Seeds the database once (``flask seed``'s data; kept for the next run), then runs a
block job and an unblock job over every customer (``scope=all``) in a child process,
as the worker does (data.bulk_jobs.run, batches of ``--batch-size``), and prints
customers looked at per second (changed + skipped) and changed per second. While the
block job runs, the parent times three list searches (``find_page``) and compares them
with their times before the job. The load average is printed with every figure:
2 shared cores, compare runs only at similar load.
"""
import argparse
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

SEARCHES = ("scope=all&q=son", "scope=all&sort=-balance", "scope=all&flt0_city_begins_with=ber")


def load():
    return f"load {os.getloadavg()[0]:.2f}"


def open_db(url):
    from data.db import open_database
    from data.migrations import migrate
    open_database(url)
    migrate()


def run_job(url, job_id, batch_size):
    """The child: run one job to its end, as a worker does."""
    import jobs
    from data import bulk_jobs
    open_db(url)
    bulk_jobs.run(job_id, jobs.selection_for, batch_size=batch_size)


def search_times(url, runs=5):
    from urllib.parse import parse_qsl

    from werkzeug.datastructures import MultiDict

    from data.search_pages import find_page
    from views import list_state, list_url  # noqa: F401 - list_state: the grammar's readers
    times = {}
    for params in SEARCHES:
        args = MultiDict(parse_qsl(params))
        selection = list_url.selection(args, None)
        sort = list_url.parse_sort(args.get("sort"))
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            find_page(selection, sort, 1, 50)
            samples.append(time.perf_counter() - started)
        times[params] = statistics.median(samples)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--schema", default="bulk_bench")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--child-job", type=int)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{ROOT / 'bench' / 'out' / f'bulk-{args.customers}.sqlite3'}"
    if url.startswith("postgres"):
        import psycopg
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA IF NOT EXISTS {args.schema}")
        url += ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={args.schema},public")
    else:
        (ROOT / "bench" / "out").mkdir(exist_ok=True)
    if args.child_job:
        run_job(url, args.child_job, args.batch_size)
        return
    from data import seed
    from data.access import Viewer
    from data.bulk_jobs import create
    from data.bulk_records import BulkJob
    from data.db import db, refresh_statistics
    from data.models import Customer
    open_db(url)
    if Customer.select().count() < args.customers:
        started = time.perf_counter()
        seed.seed(args.customers)
        refresh_statistics(vacuum=True)
        print(f"seeded {args.customers:,} in {time.perf_counter() - started:.0f} s ({load()})")
    total = Customer.select().count()
    before = search_times(url)
    print(f"{total:,} customers; searches before: "
          + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in before.items()) + f" ({load()})")
    admin = Viewer("bench", "operator_admin")
    cpu_before = {}
    for action in ("block", "unblock"):
        job = create(admin, action, "", "scope=all", [], "bench", total)
        db.close()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_before[action] = usage.ru_utime + usage.ru_stime
        child = subprocess.Popen([sys.executable, __file__, "--customers", str(args.customers), "--child-job",
                                  str(job.id), "--batch-size", str(args.batch_size)]
                                 + (["--database-url", args.database_url, "--schema", args.schema]
                                    if args.database_url else []))
        during = []
        if action == "block":
            time.sleep(1)
            while child.poll() is None:
                during.append(search_times(url, runs=1))
        child.wait()
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_seconds = cpu.ru_utime + cpu.ru_stime - cpu_before[action]
        job = BulkJob.get_by_id(job.id)
        seconds = (job.finished_at - job.started_at).total_seconds()
        print(f"{action}: {job.state}, {job.done:,} looked at ({job.changed:,} changed, {job.skipped:,} skipped) "
              f"in {seconds:.1f} s = {job.done / seconds:,.0f}/s looked at, {job.changed / seconds:,.0f}/s changed "
              f"({load()}); the job's process used {cpu_seconds:.1f} CPU s = {job.done / cpu_seconds:,.0f} "
              "customers per CPU second (the database server's work not included)")
        if during:
            for params in SEARCHES:
                median = statistics.median(d[params] for d in during)
                print(f"  search during the job: {params} {median * 1000:.0f} ms "
                      f"= {median / before[params]:.1f}x before ({len(during)} samples)")
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
