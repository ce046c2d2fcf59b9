"""Imports in the browser (issue 14): a CSV file checked, then imported, all or nothing.

The admin uploads a file (data/import_files.py keeps it in the import folder);
a worker checks it (``import_customers`` with ``dry_run``: the whole import, rolled
back) and stores every problem with its line number. Once the check passed, "Import
now" queues the import itself: the same call, committed. Both run in the worker
(jobs.py), never in a request, so a million lines take no request's time.

A job is claimed by compare-and-set on its previous holder, as bulk jobs are. The
import is one transaction: a worker killed during it wrote nothing, and the job is
queued again and run from the start. A worker killed between the commit and the
job's own bookkeeping is told by the history: the customers the import added name
it (``CustomerImport.actor``), so the import is marked done instead of run twice.

Who may import: a file names any owners, balances and classes, so only a role that
may create customers, open them with amounts and make classes, for every owner
(today the operator's administrators). The command line keeps its own rule (whoever
runs it on the server).
"""
import logging
from datetime import timedelta

from . import clock, importer
from .access import Forbidden
from .bulk_jobs import _holder_gone as holder_gone
from .bulk_jobs import runner_name
from .csvfile import detect_encoding
from .db import db, write_transaction
from .errors import Conflict, NotFound
from .import_files import Cancelled, Progress, count_records
from .import_records import (
    CHECKING,
    DISCARDED,
    FAILED,
    IMPORTED,
    IMPORTING,
    PROBLEMS,
    READY,
    RUNNING,
    CustomerImport,
    ImportProblem,
)
from .records import History

# What a role must be allowed to import: the file makes customers for any owner, with
# opening balances, and the classes it names.
NEEDED = ("create", "opening_amounts", "classes")
STALE_AFTER = timedelta(seconds=60)
LOST_AFTER = timedelta(seconds=30)
PROBLEM_BATCH = 5000
# A checked file waits this long for "Import now" or another check (IMPORT_KEEP_DAYS), then
# it is discarded and deleted: uploads nobody finished would otherwise fill the disk.
KEEP_WAITING = timedelta(days=7)
# An upload no import names (its request cut off before the import was recorded) goes after a day.
KEEP_UNNAMED = timedelta(days=1)


def may_import(viewer):
    """Whether ``viewer`` may import files: every owner in reach, and every kind of change a file makes."""
    return viewer.owner_kind is None and all(viewer.may(kind) for kind in NEEDED)


def check_may_import(viewer):
    """Raise ``Forbidden`` unless ``viewer`` may import."""
    if not may_import(viewer):
        raise Forbidden("Only operator administrators can import customers (a file sets owners, balances and classes)")


def create(viewer, file_name, file_size, stored, encoding):
    """Record an uploaded file (state checking); the caller then queues its check."""
    return CustomerImport.create(user_name=viewer.name, role=viewer.role, file_name=file_name[:255],
                                 file_size=file_size, stored=stored, encoding=encoding)


def find(import_id, viewer):
    """The import, for anyone who may import (an installation's imports are the team's); else NotFound."""
    found = CustomerImport.get_or_none(CustomerImport.id == import_id)
    if found is None or not may_import(viewer):
        raise NotFound("no such import")
    return found


def recent(offset=0, limit=25):
    """Imports newest first, and whether there are more."""
    rows = list(CustomerImport.select().order_by(CustomerImport.id.desc()).offset(offset).limit(limit + 1))
    return rows[:limit], len(rows) > limit


def problems(found, offset=0, limit=100):
    """The import's problems in line order."""
    return list(ImportProblem.select().where(ImportProblem.customer_import == found.id)
                .order_by(ImportProblem.line, ImportProblem.id).offset(offset).limit(limit))


def bytes_done(found, folder):
    """Bytes of the file read by its running job (0 when not running)."""
    return folder.bytes_done(found.stored) if found.running and found.stored else 0


def start_import(found):
    """"Import now": a checked file's import is queued. ``Conflict`` unless it is ready
    (a second click, or a file whose check found problems)."""
    moved = CustomerImport.update(state=IMPORTING, runner="", error="", started_at=clock.utcnow()).where(
        (CustomerImport.id == found.id) & (CustomerImport.state == READY)).execute()
    if moved != 1:
        raise Conflict(f"import #{found.id} is not ready to import (it is “{found.label}”)")
    return CustomerImport.get_by_id(found.id)


def check_again(found, folder, encoding):
    """Check the file again (after a fix in the database, or with another encoding)."""
    if found.state not in (PROBLEMS, READY, FAILED) or not folder.exists(found.stored):
        raise Conflict(f"import #{found.id} cannot be checked again (it is “{found.label}”)")
    with write_transaction():
        ImportProblem.delete().where(ImportProblem.customer_import == found.id).execute()
        CustomerImport.update(state=CHECKING, encoding=encoding, used_encoding="", runner="", error="",
                              problem_count=0, lines=0, created_at=clock.utcnow(), checked_at=None).where(
            CustomerImport.id == found.id).execute()
    folder.clear_notes(found.stored)
    return CustomerImport.get_by_id(found.id)


def discard(found, folder):
    """Cancel or discard: a queued job ends at once; a running one is asked to stop (its
    transaction is rolled back: a check is discarded, an import goes back to ready);
    a waiting file is discarded and deleted. Returns the import as it is now."""
    if found.running:
        # Not started by a worker yet: it ends here. Else the worker reads the note.
        checking = found.state == CHECKING
        stopped = CustomerImport.update(state=DISCARDED if checking else READY,
                                        finished_at=clock.utcnow() if checking else None).where(
            (CustomerImport.id == found.id) & (CustomerImport.state == found.state)
            & (CustomerImport.runner == "")).execute()
        if not stopped:
            folder.cancel(found.stored)
        elif checking:
            _delete_file(found, folder)
    elif found.state in (PROBLEMS, READY, FAILED):
        CustomerImport.update(state=DISCARDED, finished_at=clock.utcnow()).where(
            (CustomerImport.id == found.id) & (CustomerImport.state == found.state)).execute()
        _delete_file(found, folder)
    return CustomerImport.get_by_id(found.id)


def expire(folder, now=None, keep=KEEP_WAITING):
    """Discard the imports whose file has waited longer than ``keep`` since anything last
    happened to it (problems nobody fixed, a check that passed and was never imported, a
    failed import), deleting their files, and delete the uploads no import names that are
    older than ``KEEP_UNNAMED``. Returns the ids of the imports discarded."""
    now = now or clock.utcnow()
    why = f"Discarded automatically: the file waited {keep.total_seconds() / 86400:g} days without being imported."
    expired = []
    for row in CustomerImport.select().where(CustomerImport.state.in_((PROBLEMS, READY, FAILED))):
        last = max(t for t in (row.created_at, row.checked_at, row.started_at, row.finished_at) if t)
        if last >= now - keep:
            continue
        # Compare-and-set on the state: an admin's click in the meantime wins.
        if CustomerImport.update(state=DISCARDED, finished_at=now, error=why).where(
                (CustomerImport.id == row.id) & (CustomerImport.state == row.state)).execute():
            _delete_file(row, folder)
            expired.append(row.id)
    named = {stored for (stored,) in CustomerImport.select(CustomerImport.stored)
             .where(CustomerImport.stored != "").tuples()}
    for stored, written in folder.uploads():
        if stored not in named and written < now - KEEP_UNNAMED:
            folder.remove(stored)
    return expired


def _delete_file(found, folder):
    folder.remove(found.stored)
    CustomerImport.update(stored="").where(CustomerImport.id == found.id).execute()


def _heartbeat(found, folder):
    beats = [at for at in (found.heartbeat_at, folder.heartbeat(found.stored) if found.stored else None) if at]
    return max(beats) if beats else None


def claimable(found, folder, now=None):
    """Whether a worker may take the import's job now: running, and nobody alive holds it."""
    now = now or clock.utcnow()
    if found.state not in RUNNING:
        return False
    if not found.runner:
        return True
    beat = _heartbeat(found, folder)
    return holder_gone(found.runner) or beat is None or beat < now - STALE_AFTER


def claim(import_id, folder, runner):
    """Take the import's job for ``runner``; True when taken (compare-and-set on the holder)."""
    with write_transaction():
        found = CustomerImport.get_or_none(CustomerImport.id == import_id)
        if found is None or not claimable(found, folder):
            return False
        return CustomerImport.update(runner=runner, heartbeat_at=clock.utcnow()).where(
            (CustomerImport.id == import_id) & (CustomerImport.runner == found.runner)
            & (CustomerImport.state == found.state)).execute() == 1


def to_resume(folder, now=None):
    """Ids of the checks and imports nobody alive is running: queued again by the worker."""
    now = now or clock.utcnow()
    found = []
    for row in CustomerImport.select().where(CustomerImport.state.in_(RUNNING)).order_by(CustomerImport.id):
        if row.runner == "" and (row.started_at if row.state == IMPORTING else row.created_at) > now - LOST_AFTER:
            continue  # just queued: its message is most likely on its way
        if claimable(row, folder, now):
            found.append(row.id)
    return found


def run(import_id, folder, runner=None):
    """Run the import's pending job (its check, or its import); returns the row as it ends,
    or None when another worker holds it."""
    runner = runner or runner_name()
    if not claim(import_id, folder, runner):
        return None
    found = CustomerImport.get_by_id(import_id)
    if not folder.exists(found.stored):
        return _end(found, runner, FAILED, error="The uploaded file is gone from the import folder; upload it again.")
    try:
        if found.state == CHECKING:
            return _check(found, folder, runner)
        return _import(found, folder, runner)
    except Cancelled:
        if found.state == CHECKING:
            _end(found, runner, DISCARDED)
            _delete_file(found, folder)
            return CustomerImport.get_by_id(found.id)
        return _end(found, runner, READY, error="Import cancelled; nothing was imported.")
    except Exception as error:  # noqa: BLE001 - the admin must see that it stopped, and that nothing was written
        _end(found, runner, FAILED, error=f"{type(error).__name__}: {error}; nothing was imported."[:2000])
        raise
    finally:
        folder.clear_notes(found.stored)


def _check(found, folder, runner):
    path = folder.path(found.stored)
    encoding = found.encoding or detect_encoding(path)
    CustomerImport.update(used_encoding=encoding).where(CustomerImport.id == found.id).execute()
    with Progress(folder, found.stored) as progress:
        try:
            lines = importer.import_customers(path, progress, actor=found.actor, encoding=encoding, dry_run=True)
        except importer.ImportFailed as failed:
            return _end(found, runner, PROBLEMS, problems=failed.problems, lines=count_records(path, encoding),
                        checked_at=clock.utcnow())
    return _end(found, runner, READY, lines=lines, checked_at=clock.utcnow())


def _import(found, folder, runner):
    written = _added_by(found)
    if not written:
        path = folder.path(found.stored)
        with Progress(folder, found.stored) as progress:
            try:
                written = importer.import_customers(path, progress, actor=found.actor,
                                                    encoding=found.used_encoding or None)
            except importer.ImportFailed as failed:
                # The database changed since the check (a name taken meanwhile, say).
                return _end(found, runner, FAILED, problems=failed.problems,
                            error="The file no longer imports (the database changed since its check); "
                                  "nothing was imported.")
    # Else a worker was killed after the commit: the history says what was added.
    _end(found, runner, IMPORTED, added=written)
    _delete_file(found, folder)
    return CustomerImport.get_by_id(found.id)


def _added_by(found):
    """Customers the import already added (its committed history rows)."""
    return History.select().where((History.actor == found.actor) & (History.action == "import")).count()


def _end(found, runner, state, problems=None, **values):
    """Leave the job in ``state`` (only if ``runner`` still holds it), with its problems."""
    now = clock.utcnow()
    final = {"finished_at": now} if state in (IMPORTED, DISCARDED, FAILED) else {}
    with write_transaction():
        moved = CustomerImport.update(state=state, runner="", heartbeat_at=now, **final, **values,
                                      **({"problem_count": len(problems)} if problems is not None else {})).where(
            (CustomerImport.id == found.id) & (CustomerImport.runner == runner)).execute()
        if moved and problems is not None:
            ImportProblem.delete().where(ImportProblem.customer_import == found.id).execute()
            _write_problems(found.id, problems)
    return CustomerImport.get_by_id(found.id)


def _write_problems(import_id, problems):
    sql = (f'INSERT INTO "import_problem" ("import_id", "line", "message") '
           f"VALUES ({db.param}, {db.param}, {db.param})")
    for start in range(0, len(problems), PROBLEM_BATCH):
        db.cursor().executemany(sql, [(import_id, p.line, p.message)
                                      for p in problems[start:start + PROBLEM_BATCH]])


def run_quietly(import_id, folder):
    """``run``, for the queue: the failure is on the import's row already."""
    try:
        return run(import_id, folder)
    except Exception:  # noqa: BLE001 - recorded by run(); the queue need not retry a bad file
        logging.getLogger(__name__).exception("import #%s stopped by an error", import_id)
        return CustomerImport.get_or_none(CustomerImport.id == import_id)
