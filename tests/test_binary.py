"""The single binary (`make binary`): built once, run where there is no Python, checked over HTTP.

The binary is built once and kept in build/binary-cache/ under a hash of what goes into it, so
the SQLite run and the PostgreSQL run of `make test` (and any later run with the same sources)
share one build. Each run drives it once: on SQLite in its own --data folder, or on PostgreSQL
in a fresh schema.
"""
import csv
import fcntl
import hashlib
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from tests.conftest import PG_URL, pg_schema
from tests.live import Session, free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "binary-cache"
# Everything the binary is made of: a change to any of these builds a new one.
SOURCES = ("app.py", "cli.py", "single_binary.py", "wsgi.py", "gunicorn.conf.py", "Makefile",
           "requirements-app.txt", "requirements-build.txt", "data", "views", "templates", "static", "packaging")
CUSTOMERS = 1000
# Serving within 3 s on a quiet machine; `make test` runs both backends at once on two cores,
# where a loaded machine took 4-5 s: this catches a start that hangs or crawls, not the figure.
START_SECONDS = 10
MAX_MEGABYTES = 80


def _sources_hash():
    digest = hashlib.sha256()
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else sorted(
            p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
        for file in files:
            digest.update(str(file.relative_to(ROOT)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def binary():
    CACHE.mkdir(parents=True, exist_ok=True)
    target = CACHE / f"customer-management-{_sources_hash()}"
    # One build at a time in this checkout; whoever waited finds it built.
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            out = CACHE / f"dist-{os.getpid()}"
            started = time.monotonic()
            built = subprocess.run(["make", "binary", f"BINARY_DIST={out}"], cwd=ROOT, capture_output=True,
                                   text=True)
            assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
            sys.stderr.write(f"\nmake binary: {time.monotonic() - started:.0f} s\n")
            (out / "customer-management").rename(target)
            shutil.rmtree(out)
            for old in CACHE.glob("customer-management-*"):
                if old != target:
                    old.unlink()
    return target


def _bare_env(tmp_path, **settings):
    """As `env -i`: nothing from this shell, and a PATH on which there is no Python at all."""
    path = tmp_path / "bin"
    path.mkdir(exist_ok=True)
    assert shutil.which("python3", path=str(path)) is None and shutil.which("python", path=str(path)) is None
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return {"PATH": str(path), "HOME": str(tmp_path), "TMPDIR": str(tmp_path / "tmp"), **settings}


def _children(pid):
    listed = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in listed]


def _mapped_files(pid):
    return {line.split(maxsplit=5)[5] for line in Path(f"/proc/{pid}/maps").read_text().splitlines()
            if len(line.split(maxsplit=5)) == 6}


def _python_files_mapped(pid):
    """Files of this machine's Python (or the venv) that the process has loaded: there must be none."""
    ours = {str(Path(p).resolve()) + "/" for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    return {path for path in _mapped_files(pid) if path.startswith(tuple(ours))}


def test_the_file_is_small_and_its_help_names_the_commands_and_the_data_folder(binary, tmp_path):
    assert binary.stat().st_size <= MAX_MEGABYTES * 1e6
    env = _bare_env(tmp_path)
    shown = subprocess.run([str(binary), "--help"], env=env, cwd=tmp_path, capture_output=True, text=True,
                           timeout=60)
    assert shown.returncode == 0, shown.stderr
    for words in ("--data DIR", "CUSTOMER_DATA", "serve", "--workers", "demo-admin", "create-user", "seed",
                  "import-customers", "maintenance", "backup", "DATABASE_URL"):
        assert words in shown.stdout, words
    refused = subprocess.run([str(binary), "demo-admin"], env=env, cwd=tmp_path, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 2 and "--data DIR" in refused.stderr
    # A command's --help is that command's own, with or without a data folder.
    for command, words in (("seed", "--customers"), ("import-customers", "--encoding"), ("serve", "--bind")):
        shown = subprocess.run([str(binary), command, "--help"], env=env, cwd=tmp_path, capture_output=True,
                               text=True, timeout=60)
        assert shown.returncode == 0 and f"customer-management {command}" in shown.stdout and words in shown.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "tmp"]  # no folder made anywhere
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.skipif(bool(PG_URL), reason="the SQLite run checks it on SQLite; the PostgreSQL run below")
def test_the_binary_runs_the_product_on_its_own_sqlite(binary, tmp_path):
    data = tmp_path / "data"
    env = _bare_env(tmp_path, CUSTOMER_DATA=str(data))
    _use_the_product(binary, tmp_path, env, sqlite_file=data / "customers.sqlite3")
    assert (data / "secret_key").exists()


@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (the PostgreSQL run of make test)")
def test_the_binary_runs_the_product_on_postgresql(binary, tmp_path):
    with pg_schema() as url:
        env = _bare_env(tmp_path, DATABASE_URL=url, SECRET_KEY="binary-test-secret")
        _use_the_product(binary, tmp_path, env, data_flag=tmp_path / "data")


def _use_the_product(binary, tmp_path, env, sqlite_file=None, data_flag=None):
    # A working directory of its own, away from the checkout: nothing may be read from there.
    work = tmp_path / "elsewhere"
    work.mkdir()
    prefix = [str(binary)] + (["--data", str(data_flag)] if data_flag else [])

    def run(*args, stdin=None, check=True):
        done = subprocess.run([*prefix, *args], env=env, cwd=work, input=stdin, capture_output=True, text=True,
                              timeout=120)
        assert not check or done.returncode == 0, done.stdout + done.stderr
        return done

    assert "Created operator administrator “ops”" in run("create-user", "ops", "--role", "operator_admin",
                                                          stdin="a long binary password\n").stdout
    assert f"Added {CUSTOMERS:,} customers" in run("seed", "--customers", str(CUSTOMERS), "--seed", "3").stdout

    port = free_port()
    started = time.monotonic()
    log = tmp_path / "serve.log"
    with open(log, "w") as log_file:
        server = subprocess.Popen([*prefix, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env=env,
                                  cwd=work, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        wait_until_healthy(port, server, seconds=60)
        start_seconds = time.monotonic() - started
        assert start_seconds <= START_SECONDS, f"serving after {start_seconds:.1f} s"

        # The one-file bootloader, gunicorn's master under it, and the two workers it forked.
        (master,) = _children(server.pid)
        deadline = time.monotonic() + 10
        while len(_children(master)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_children(master)) == 2
        for pid in (server.pid, master, *_children(master)):
            assert not _python_files_mapped(pid)

        with Session(port) as session:
            session.sign_in("ops", "a long binary password")
            status, page = session.call("GET", "/customers?scope=all&per_page=200")
            assert status == 200 and b"/static/vendor/htmx-2.0.11.min.js" in page
            names = [a.get_text(strip=True) for a in BeautifulSoup(page, "html.parser").select("td.id-col a")]
            assert len(names) == 200
            # A simple search for the last name on the first page finds that customer.
            status, page = session.call("GET", f"/customers?scope=all&q={quote(names[-1])}")
            found = [a.get_text(strip=True) for a in BeautifulSoup(page, "html.parser").select("td.id-col a")]
            assert status == 200 and names[-1] in found and len(found) < CUSTOMERS

            status, exported = session.call("GET", "/customers.csv?scope=all")
            assert status == 200, log.read_text()[-5000:]
            rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
            assert len(rows) == CUSTOMERS + 1  # a header and every customer

            status, page = session.call("GET", "/static/vendor/htmx-2.0.11.min.js")
            assert status == 200 and page.startswith(b"var htmx")

        # SQLite and PostgreSQL (psycopg's binary wheel) through the libraries the binary carries,
        # not the machine's.
        unpacked = str(tmp_path / "tmp") + "/"
        library = "libsqlite3" if sqlite_file else "libpq"
        loaded = {path for pid in _children(master) for path in _mapped_files(pid) if library in path}
        assert loaded and all(path.startswith(unpacked) for path in loaded), loaded

        # A backup while it serves.
        copy = tmp_path / "copy.sqlite3"
        backup = run("backup", str(copy), check=False)
        if sqlite_file:
            assert backup.returncode == 0, backup.stderr
            with sqlite3.connect(copy) as restored:
                assert restored.execute("SELECT count(*) FROM customer").fetchone() == (CUSTOMERS,)
        else:
            assert backup.returncode == 2 and "pg_dump" in backup.stdout
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    errors = log.read_text()
    assert server.returncode == 0, errors[-3000:]
    assert "Traceback" not in errors, errors[-3000:]
    # The one-file binary unpacks itself under TMPDIR at each start and cleans up after itself.
    assert list((tmp_path / "tmp").iterdir()) == []
