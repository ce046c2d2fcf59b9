"""The README's two commands: what `make demo` installs and when it refuses to start."""
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not shutil.which("make"), reason="needs make")


def make(*args, venv=".venv"):
    # -o: never rebuild the shared venv from a test.
    return subprocess.run(["make", "-s", "-o", f"{venv}/bin/flask", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "MAKEFLAGS": ""}, timeout=60)


def test_demo_installs_what_running_needs_and_test_adds_the_test_tools(tmp_path):
    venv = str(tmp_path / "venv")

    def planned(target):  # -n: print the commands, run none; -B: as if nothing were built
        return subprocess.run(["make", "-n", "-B", f"VENV={venv}", target], cwd=ROOT, capture_output=True,
                              text=True, timeout=60, env={**os.environ, "MAKEFLAGS": ""}).stdout

    demo = planned("demo")
    assert "-r requirements-app.txt" in demo and "-r requirements.txt" not in demo
    assert "-r requirements.txt" in planned("test-sqlite")
    assert "pytest" not in Path(ROOT, "requirements-app.txt").read_text()


def test_demo_does_not_touch_a_demo_running_on_its_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        refused = make("demo-port-free", f"PORT={port}")
        assert refused.returncode != 0 and f"Port {port} on 127.0.0.1 is in use" in refused.stderr
    assert make("demo-port-free", f"PORT={port}").returncode == 0
