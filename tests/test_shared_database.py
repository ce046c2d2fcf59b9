"""Several app servers on one database: started at the same moment on an empty
database, each migrates or waits for the one that does, then all write."""
import os
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path

from peewee import fn

from data.db import db, open_database
from data.migrations import _migrations
from data.models import Customer
from tests.conftest import PG_URL, pg_schema

ROOT = Path(__file__).resolve().parents[1]
SERVERS = 4

# One "server": the app factory (which migrates), then a write through the app.
SERVER = """
import sys, time
start, number = float(sys.argv[1]), int(sys.argv[2])
from app import create_app
from tests.conftest import csrf_headers, make_user, sign_in
time.sleep(max(0.0, start - time.time()))
app = create_app({"TESTING": True})
with app.app_context():
    client = sign_in(app.test_client(), make_user(f"admin{number}"))
    headers = csrf_headers(client)
    response = client.post("/customers/new", headers=headers, data={"name": f"Server {number}", "currency": "USD"})
    assert response.status_code == 303, (response.status_code, response.text[:500])
print("ok", number)
"""


def test_servers_starting_together_on_an_empty_database(tmp_path):
    holder = pg_schema() if PG_URL else nullcontext(f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    with holder as url:
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "shared", "INSTANCE_PATH": str(tmp_path),
               "PYTHONPATH": str(ROOT)}
        start = time.time() + 3  # every process is imported and waiting by then
        servers = [subprocess.Popen([sys.executable, "-c", SERVER, str(start), str(n)], cwd=ROOT, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                   for n in range(SERVERS)]
        outputs = [server.communicate(timeout=120)[0] for server in servers]
        assert [server.returncode for server in servers] == [0] * SERVERS, "\n".join(outputs)

        open_database(url)
        try:
            with db.connection_context():
                versions = [v for (v,) in db.execute_sql("SELECT version FROM schema_migration ORDER BY version")]
                assert versions == [v for v, _ in _migrations()]  # each applied exactly once
                names = {c.name for c in Customer.select().where(Customer.name.startswith("Server "))}
                assert names == {f"Server {n}" for n in range(SERVERS)}
                assert Customer.select(fn.COUNT(Customer.id)).scalar() == SERVERS
        finally:
            db.close()
