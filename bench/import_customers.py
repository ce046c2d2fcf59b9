"""Import benchmark: ``flask import-customers`` of a CSV file into an empty database, timed.

    python bench/import_customers.py --csv /tmp/peers-data/customers_100000.csv
    python bench/import_customers.py --csv /tmp/peers-data/customers_1000000.csv     # the issue's target: <= 60 s
    python bench/import_customers.py --csv /tmp/peers-data/customers_1000000.csv \\
        --database-url postgresql://postgres@127.0.0.1:5432/test --schema import_bench   # target: <= 120 s

The files come from ../shared/bench-peers (gen_data.py, then to_project_csv.py; see its
README): customers the project did not make. Each run starts from an empty migrated
database (SQLite: a new file in bench/out/; PostgreSQL: the schema ``--schema`` made
again, dropped at the end unless ``--keep``) and runs the real command in a child
process. Printed per run: the wall time, the command's CPU time (user + system), its
peak RSS, the load average before and after (2 shared cores: wall times are only
comparable at similar load; CPU times are steadier), and on PostgreSQL the CPU time
of the server processes serving the import (its backend and any parallel workers),
which the client's figure leaves out. The command's CPU time includes its worker processes
(files from 4 MB on are checked in two, data/import_rows.py): wait4 reports a child with its
own reaped children.

Figures (100,000 lines of the peers' file, 2 shared cores, load average given; issue 10):
  before the workers  SQLite 59.3 s wall, CPU 30.6 s, peak RSS 175 MB (load 0.9 -> 4.1)
                      PostgreSQL 212.2 s wall, CPU 17.6 s, server 15.7 s, RSS 100 MB (load 22 -> 24)
  with the workers    SQLite 245.7 s wall, CPU 38.9 s (workers included), peak RSS 183 MB (load 18 -> 21)
                      PostgreSQL 208.0 s wall, CPU 22.3 s, server 16.6 s, RSS 94 MB (load 24 -> 21)
  back to back, SQLite: before 123.1 s wall, CPU 32.1 s, RSS 175 MB (load 10.8 -> 14.1);
                      with the workers 90.1 s wall, CPU 38.6 s, RSS 183 MB (load 10.1 -> 10.8)
  In-process timing (main process CPU / workers' CPU), SQLite: before 32.3 s / -, after 19.6 s / 13.2 s
  (load 11); 21.3 s / 15.2 s at load 23.
1,000,000 lines of the peers' file, SQLite, back to back (2026-11-27, load 0.9-2.0): with the text
  index's load settings (data/bulk.py FTS_LOAD_SETTINGS) 141.4 s wall, CPU 209.8 s, peak RSS 241 MB;
  without them 154.6 s, CPU 227.4 s, RSS 238 MB. Of the 153 s of one run timed by phase: the
  loop 100 s (both cores busy: two checking workers at ~70 us a line, the loader, the text
  index's helper thread), the indexes built again 41 s, the commit (its checkpoint) 10 s,
  statistics 3 s.
"""
import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
APPLICATION = "import-customers-bench"
TICK = os.sysconf("SC_CLK_TCK")


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def fresh(url, schema):
    """The URL the import runs against: an empty database (a new file, or a new schema)."""
    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return url
    import psycopg
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
    options = quote(f"-csearch_path={schema}")
    return url + ("&" if "?" in url else "?") + f"options={options}&application_name={APPLICATION}"


def drop(url, schema):
    if not url.startswith("sqlite"):
        import psycopg
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


class ServerCPU(threading.Thread):
    """PostgreSQL: the CPU seconds of the server processes of the import (backend and parallel
    workers), read from /proc while they live (the server runs on this machine)."""

    def __init__(self, url, application=APPLICATION):
        super().__init__(daemon=True)
        self.url, self.seen, self.done = url, {}, threading.Event()
        self.application = application

    def run(self):
        import psycopg
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.done.wait(0.2):
                pids = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s OR leader_pid IN "
                    "(SELECT pid FROM pg_stat_activity WHERE application_name = %s)",
                    [self.application, self.application]).fetchall()
                for (pid,) in pids:
                    try:
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    self.seen[pid] = (int(fields[11]) + int(fields[12])) / TICK

    def seconds(self):
        self.done.set()
        self.join()
        return sum(self.seen.values())


def flask(url, *args):
    env = dict(os.environ, DATABASE_URL=url)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env, check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout


def run_import(url, csv_path):
    """(seconds, CPU seconds, peak RSS in MB, server CPU seconds or None) of one import."""
    flask(url, "migrate")
    server = None if url.startswith("sqlite") else ServerCPU(url)
    if server:
        server.start()
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "import-customers", str(csv_path)],
                             cwd=ROOT, env=dict(os.environ, DATABASE_URL=url), stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    output = child.stdout.read()
    # wait4: this child's own usage (RUSAGE_CHILDREN would mix in the migrate run's peak).
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0 and "Imported" in output, output
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, server.seconds() if server else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", required=True, type=Path, help="the file to import")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--database-url", help="default: a SQLite file in bench/out/")
    parser.add_argument("--schema", default="import_bench", help="PostgreSQL: the schema made (and dropped) per run")
    parser.add_argument("--keep", action="store_true", help="leave the database (file or schema) in place")
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    base = args.database_url or f"sqlite:///{out / f'import-{args.csv.stem}.sqlite3'}"
    backend = "SQLite" if base.startswith("sqlite") else "PostgreSQL"
    times = []
    for n in range(args.runs):
        url = fresh(base, args.schema)
        before = load()
        seconds, cpu, rss, server = run_import(url, args.csv.resolve())
        times.append(seconds)
        server_text = f", server CPU {server:.1f} s" if server is not None else ""
        print(f"import {args.csv.name} on {backend}, run {n + 1}: {seconds:.1f} s (CPU {cpu:.1f} s{server_text}), "
              f"peak RSS {rss:.0f} MB, load {before} -> {load()}", flush=True)
    if not args.keep:
        drop(base, args.schema)
    print(f"median of {len(times)}: {statistics.median(times):.1f} s")


if __name__ == "__main__":
    main()
