"""Browser imports in a real worker (``flask --app app worker``): the check and the import
run there, not in the request; a worker killed (SIGKILL) during the import wrote
nothing, and the next worker runs the import again from the start (issue 14)."""
import signal
import time

import jobs
from data import imports
from data.access import Viewer
from data.db import db
from data.import_files import Folder
from data.import_records import CustomerImport
from data.models import Customer
from data.records import History
from tests.test_bulk_worker import queue, wait_for  # noqa: F401 - the fixture is used by name

LINES = 30_000


def big_file(folder):
    handle, stored = folder.new_upload()
    with handle:
        handle.write(b"name,customer_type,company_name,city,country,email,currency,balance\n")
        for n in range(LINES):
            handle.write(f"Customer {n:06d},retail,Company {n} of a long name GmbH,Frankfurt am Main,DE,"
                         f"c{n}@example.org,EUR,{n % 1000}.25\n".encode())
    return stored


def state_of(import_id, wanted):
    found = CustomerImport.get_by_id(import_id)
    return found if found.state == wanted else None


def test_check_and_import_in_the_worker_and_a_killed_import_is_run_again(database, queue, tmp_path):  # noqa: F811
    folder = Folder(tmp_path / "imports").ensure()
    stored = big_file(folder)
    found = imports.create(Viewer("alice", "operator_admin"), "big.csv", 1, stored, "")
    db.close()
    first = queue()
    jobs.run_import(found.id)
    checked = wait_for(lambda: state_of(found.id, "ready"), 300)
    assert checked.lines == LINES
    with db.connection_context():
        assert Customer.select().count() == 0
        imports.start_import(checked)
    jobs.run_import(found.id)
    # Killed once the import has read a good part of the file (its transaction still open).
    wait_for(lambda: folder.bytes_done(stored) > 1_000_000 and CustomerImport.get_by_id(found.id).runner, 300)
    first.send_signal(signal.SIGKILL)
    first.wait()
    with db.connection_context():
        killed = CustomerImport.get_by_id(found.id)
        assert killed.state == "importing" and killed.runner  # held by a dead worker
        assert Customer.select().count() == 0 and History.select().count() == 0  # nothing written
    started = time.monotonic()
    queue()  # the next worker sees the holder is gone and runs the import again
    done = wait_for(lambda: state_of(found.id, "imported"), 300)
    with db.connection_context():
        assert done.added == LINES and Customer.select().count() == LINES
        assert History.select().where(History.actor == done.actor).count() == LINES
    assert time.monotonic() - started < 300
    assert not (tmp_path / "imports" / stored).exists()
