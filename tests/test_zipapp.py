"""The one-file install: built with `make zipapp`, started, and checked over HTTP."""
import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYZ = ROOT / "dist" / "customer-management.pyz"

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="the one-file install runs on its own SQLite; checked in the SQLite run")


@pytest.fixture(scope="module")
def pyz():
    subprocess.run(["make", "zipapp"], cwd=ROOT, check=True, capture_output=True)
    return PYZ


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_one_file_runs_with_its_own_database(pyz, tmp_path):
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "INSTANCE_PATH", "PYTHONPATH")}
    env["SHIV_ROOT"] = str(tmp_path / "shiv")
    python = shutil.which("python3") or sys.executable
    created = subprocess.run([python, str(pyz), "--data", str(data), "demo-admin"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, check=True)
    assert "Sign in as “demo” with password:" in created.stdout
    port = free_port()
    server = subprocess.Popen([python, str(pyz), "--data", str(data), "serve", "--bind", f"127.0.0.1:{port}",
                               "--workers", "1"], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        status = None
        for _ in range(100):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                break
            except OSError:
                time.sleep(0.2)
            finally:
                conn.close()
        assert status == 200
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/sign-in")
        page = conn.getresponse().read().decode()
        conn.close()
        assert "Sign in" in page and "/static/vendor/htmx-2.0.11.min.js" in page
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (data / "customers.sqlite3").exists() and (data / "secret_key").exists()
