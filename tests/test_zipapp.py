"""The one-file install: built with `make zipapp`, started, and checked over HTTP."""
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from tests.live import Session, free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]
PYZ = ROOT / "dist" / "customer-management.pyz"

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="the one-file install runs on its own SQLite; checked in the SQLite run")


@pytest.fixture(scope="module")
def pyz():
    subprocess.run(["make", "zipapp"], cwd=ROOT, check=True, capture_output=True)
    return PYZ


def test_one_file_runs_with_its_own_database(pyz, tmp_path):
    data = tmp_path / "data"
    # Nothing from this shell's app settings: the file must work from its --data folder alone.
    outside = ("DATABASE_URL", "INSTANCE_PATH", "PYTHONPATH", "SECRET_KEY")
    env = {k: v for k, v in os.environ.items() if k not in outside}
    env["SHIV_ROOT"] = str(tmp_path / "shiv")
    python = sys.executable  # the Python the file was built for

    def run(*args):
        return subprocess.run([python, str(pyz), "--data", str(data), *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, check=True).stdout

    password = re.search(r"Sign in as “demo” with password: (\S+)", run("demo-admin")).group(1)
    run("seed", "--customers", "30", "--seed", "7")
    port = free_port()
    server = subprocess.Popen([python, str(pyz), "--data", str(data), "serve", "--bind", f"127.0.0.1:{port}",
                               "--workers", "2"], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_healthy(port, server, seconds=60)
        with Session(port) as session:
            session.sign_in("demo", quote(password))
            status, page = session.call("GET", "/customers?scope=all")
            assert status == 200 and b"/static/vendor/htmx-2.0.11.min.js" in page
            rows = BeautifulSoup(page, "html.parser").select("tbody tr")
            assert 0 < len(rows) <= 30
            status, page = session.call("GET", "/static/vendor/htmx-2.0.11.min.js")
            assert status == 200 and page.startswith(b"var htmx")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (data / "customers.sqlite3").exists() and (data / "secret_key").exists()


def test_one_file_help_names_its_commands_and_data_folder_and_it_refuses_to_guess_one(pyz, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("CUSTOMER_DATA", "DATABASE_URL", "INSTANCE_PATH")}
    env["SHIV_ROOT"] = str(tmp_path / "shiv")
    shown = subprocess.run([sys.executable, str(pyz), "--help"], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=60)
    assert shown.returncode == 0
    for words in ("--data DIR", "serve", "demo-admin", "create-user", "CUSTOMER_DATA", "CPython"):
        assert words in shown.stdout, words
    refused = subprocess.run([sys.executable, str(pyz), "demo-admin"], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 2 and "--data DIR" in refused.stderr
    assert not (tmp_path / "customer-data").exists()
