"""Browser import benchmark: a CSV file uploaded to ``/imports`` over HTTP, checked and
imported by a real worker, into an empty SQLite database, timed.

    python bench/import_browser.py --csv /tmp/peers-data/customers_1000000.csv

Starts the app (Werkzeug's threaded server) and ``flask --app app worker`` in child
processes on a fresh instance folder in bench/out/, signs in and uploads with curl
(which streams the file, as a browser does), presses "Import now" once the check
passed, and prints: the upload's time, the check's and the import's wall times (from
the import's own row), the peak RSS of the app and of the worker (the file is never
held in memory: both stay far below its size), and the load average.
"""
import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench password, long enough"


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def peak_rss_mb(pid):
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) // 1024


def curl(*args):
    return subprocess.run(["curl", "-s", "-b", JAR, "-c", JAR, *args], check=True, capture_output=True,
                          text=True).stdout


def token(base, path):
    page = curl(f"{base}{path}")
    return json.loads(re.search(r"data-hx-headers='([^']+)'", page).group(1).replace("&#34;", '"'))["X-CSRFToken"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True)
    parser.add_argument("--port", type=int, default=5391)
    args = parser.parse_args()
    out = ROOT / "bench" / "out" / "import-browser"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    global JAR
    JAR = str(out / "cookies")
    env = {**os.environ, "INSTANCE_PATH": str(out), "SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{out}/db.sqlite3",
           "HUEY_FILE": str(out / "huey.sqlite3"), "IMPORT_MAX_MB": "1024"}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "create-user", "bench", "--role", "operator_admin"],
                   input=PASSWORD + "\n", text=True, cwd=ROOT, env=env, check=True, capture_output=True)
    server = subprocess.Popen([sys.executable, "-c", "from app import create_app; "
                               "from werkzeug.serving import run_simple; "
                               f"run_simple('127.0.0.1', {args.port}, create_app(), threaded=True)"],
                              cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker", "--workers", "1"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(120):  # the app starts (and migrates) in its own time on a loaded machine
            try:
                curl(f"{base}/healthz")
                break
            except subprocess.CalledProcessError:
                time.sleep(0.5)
        curl("-o", "/dev/null", "-d", f"csrf_token={token(base, '/sign-in')}&name=bench&password={PASSWORD}",
             f"{base}/sign-in")
        print(f"load before: {load()}", flush=True)
        started = time.monotonic()
        answer = curl("-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                      "-F", f"csrf_token={token(base, '/imports')}", "-F", "encoding=",
                      "-F", f"file=@{args.csv};type=text/csv", f"{base}/imports")
        print(f"upload: {answer} in {time.monotonic() - started:.1f} s, app peak RSS {peak_rss_mb(server.pid)} MB",
              flush=True)
        import_id = int(answer.rsplit("/", 1)[1])
        database = sqlite3.connect(f"{out}/db.sqlite3")

        def state():
            return database.execute("SELECT state, lines, added, problem_count FROM customer_import WHERE id = ?",
                                    (import_id,)).fetchone()
        slowest = [0.0]

        def wait(phase):
            # As the page does: it asks for the import's state every second (which also keeps
            # the session alive); the slowest answer says whether the job held the app up.
            while state()[0] == phase:
                asked = time.monotonic()
                curl("-o", "/dev/null", "-H", "HX-Request: true", f"{base}/imports/{import_id}")
                slowest[0] = max(slowest[0], time.monotonic() - asked)
                time.sleep(1)
        wait("checking")
        print(f"check: {state()} load {load()}; slowest progress answer {slowest[0]:.2f} s", flush=True)
        curl("-o", "/dev/null", "-d", f"csrf_token={token(base, '/imports')}", f"{base}/imports/{import_id}/import")
        wait("importing")
        row = database.execute("SELECT created_at, checked_at, started_at, finished_at FROM customer_import "
                               "WHERE id = ?", (import_id,)).fetchone()
        print(f"import: {state()} times (uploaded, checked, import started, finished) {row}")
        print(f"worker peak RSS {peak_rss_mb(worker.pid)} MB, app peak RSS {peak_rss_mb(server.pid)} MB, "
              f"load after: {load()}")
    finally:
        for process in (server, worker):
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()
