"""Talking HTTP to a real server process (gunicorn, the one-file install) from tests."""
import http.client
import re
import socket
import time
from urllib.parse import urlencode


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(port, process, seconds=30):
    """Poll /healthz until it answers 200; fail if the process dies or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited while starting"
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            probe.request("GET", "/healthz")
            if probe.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
        finally:
            probe.close()
    raise AssertionError(f"no healthy answer on port {port} within {seconds} s")


class Session:
    """One browser-like client: keeps its session cookie and CSRF token."""

    def __init__(self, port, timeout=10):
        self.port, self.timeout = port, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.cookie, self.token = "", ""

    def reconnect(self):
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.conn.close()

    def call(self, method, path, form=None, headers=None):
        """One request; ``form`` (a dict) is sent URL-encoded with this session's CSRF token."""
        headers = {"Cookie": self.cookie, **(headers or {})}
        body = None
        if form is not None:
            body = urlencode({**form, "csrf_token": self.token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, data

    def sign_in(self, name, password):
        _, page = self.call("GET", "/sign-in")
        self.token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        status, _ = self.call("POST", "/sign-in", {"name": name, "password": password})
        assert status == 303
        _, page = self.call("GET", "/customers")  # signing in starts a new session: a new token
        self.token = re.search(rb'"X-CSRFToken": "([^"]+)"', page).group(1).decode()
