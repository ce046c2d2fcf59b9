"""CSV export and deep pages at scale, through the Flask app: seconds, peak memory, page 1 against page N.

    python bench/export.py --database-url sqlite:////tmp/exp/cm.db
    python bench/export.py --database-url postgresql://postgres@127.0.0.1:5432/exp_bench
    python bench/export.py --database-url ... --only export      # or --only pages

The database must exist already (``flask seed --customers 1000000``, or bench/search.py's
data); this script only reads it. Each export runs in a fresh process (a signed-in test
client reading ``GET /customers.csv`` to the end and dropping every piece), so its peak
RSS is that export's alone (its CPU seconds are printed too: on a busy machine they say
more than the wall clock; on PostgreSQL also the CPU seconds of the server processes serving
it, read from /proc as bench/import_customers.py does: the server writes the CSV there,
data/export_postgres.py); it is run
``--runs`` times and the median printed. Pages: ``GET /customers?...&page=1`` against
``&page=N`` typed (an OFFSET) and reached by Next from page N-1 (``after``, a seek from its last
row), warm-up, then the median of ``--runs``. The load average is printed beside
every figure: compare runs only at similar load. Figures, not pass/fail tests (issue 10's targets: export of a million
<= 15 s at constant memory; page 200 <= 2x page 1).
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

EXPORTS = ("scope=all", "scope=all&q=son", "")
PAGES = ("scope=all&q=son", "q=son", "scope=all", "")
EXPORT_APPLICATION = "export-bench"


def load():
    return os.getloadavg()[0]


def child_export(url, params):
    """One export in this process: prints seconds, bytes, rows and peak RSS as JSON."""
    from search import signed_in_client  # bench/search.py

    from app import create_app

    client = signed_in_client(create_app({"DATABASE_URL": url}))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    size = lines = 0
    with client.get("/customers.csv?" + params, buffered=False) as response:
        assert response.status_code == 200, response.status_code
        for piece in response.response:
            size += len(piece)
            lines += piece.count(b"\r\n") if isinstance(piece, bytes) else piece.count("\r\n")
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    print(json.dumps({"seconds": seconds, "cpu": cpu, "bytes": size, "lines": lines,
                      "rss_mb": usage.ru_maxrss / 1024}))


def exports(url, runs, cases):
    from import_customers import ServerCPU  # bench/import_customers.py

    postgres = not url.startswith("sqlite")
    # The server's backend and its parallel workers are found by the connection's name.
    child_url = url + ("&" if "?" in url else "?") + f"application_name={EXPORT_APPLICATION}" if postgres else url
    for params in cases:
        results = []
        for _ in range(runs):
            before = load()
            server = ServerCPU(url, EXPORT_APPLICATION) if postgres else None
            if server:
                server.start()
            out = subprocess.run([sys.executable, __file__, "--database-url", child_url, "--child-export", params],
                                 check=True, capture_output=True, text=True).stdout
            results.append({**json.loads(out.strip().splitlines()[-1]), "load": before,
                            "server": server.seconds() if server else None})
        median = statistics.median(r["seconds"] for r in results)
        seconds = ", ".join(f"{r['seconds']:.1f}" for r in results)
        cpu = statistics.median(r["cpu"] for r in results)
        rss = ", ".join(f"{r['rss_mb']:.0f}" for r in results)
        loads = ", ".join(f"{r['load']:.1f}" for r in results)
        server = (f", the server's {statistics.median(r['server'] for r in results):.1f} s"
                  if results[0]["server"] is not None else "")
        print(f"export ?{params or '(default scope)'}: median {median:.1f} s of {seconds} (this process's CPU "
              f"{cpu:.1f} s{server}); peak RSS {rss} MB; "
              f"{results[0]['lines'] - 1:,} rows, {results[0]['bytes'] / 1e6:.0f} MB; load {loads}", flush=True)


def pages(url, runs, cases, deep):
    from bs4 import BeautifulSoup
    from search import median_ms, signed_in_client

    from app import create_app

    client = signed_in_client(create_app({"DATABASE_URL": url}))

    def page(path):
        def run():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            response.get_data()
        return run

    for params in cases:
        prefix = "/customers?" + (params + "&" if params else "")
        first = median_ms(page(prefix + "page=1"), runs)
        later = median_ms(page(prefix + f"page={deep}"), runs)
        # Page N as the pager reaches it: the Next link of page N-1 (its last row's keys).
        before = BeautifulSoup(client.get(prefix + f"page={deep - 1}").get_data(as_text=True), "html.parser")
        link = before.select_one(".pager a[aria-label='Next page']")
        by_next = median_ms(page(link["href"]), runs) if link and "after=" in link["href"] else None
        reached = f", by Next {by_next:.0f} ms = {by_next / first:.2f}x" if by_next is not None else ""
        print(f"pages ?{params or '(default scope)'}: page 1 {first:.0f} ms, page {deep} {later:.0f} ms = "
              f"{later / first:.2f}x{reached}; load {load():.1f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("export", "pages"))
    parser.add_argument("--exports", help="';'-separated query strings to export (default: %(default)s)",
                        default=";".join(EXPORTS))
    parser.add_argument("--pages", help="';'-separated query strings to page through", default=";".join(PAGES))
    parser.add_argument("--deep", type=int, default=200, help="the deep page (default: %(default)s)")
    parser.add_argument("--child-export", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_export is not None:
        child_export(args.database_url, args.child_export)
        return
    print(f"{args.database_url}, {os.cpu_count()} cores, load {load():.2f}", flush=True)
    if args.only != "pages":
        exports(args.database_url, args.runs, args.exports.split(";"))
    if args.only != "export":
        pages(args.database_url, args.runs, args.pages.split(";"), args.deep)


if __name__ == "__main__":
    main()
