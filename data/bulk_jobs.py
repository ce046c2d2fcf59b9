"""Bulk jobs: an action over a selection of customers, run in the background.

The job lives in the database (data/bulk_records.py), not in the queue: the queue
only says "run job 12". A worker claims the job (``runner``), then walks the
selection in id order, a batch per write transaction. Each transaction changes
the batch's customers through the pipeline (data/bulk_actions.py), writes their
outcomes and history, and moves the checkpoint (``last_id``) and the totals. So
a worker killed at any moment leaves the job exactly at its last committed batch,
and whoever runs it next (the restarted worker, or another one once the
heartbeat is stale) goes on from there. Cancel is a flag read before each batch.
"""
import csv
import io
import os
import socket
import uuid
from dataclasses import replace
from datetime import timedelta
from functools import lru_cache

from peewee import fn

from . import bulk_actions, clock, search
from .access import Viewer
from .bulk_records import CANCELLED, DONE, FAILED, FINISHED, QUEUED, RUNNING, BulkJob, BulkOutcome
from .csvfile import neutralise
from .db import db, write_transaction
from .errors import NotFound
from .models import Customer

# A batch: a few hundred customers per transaction keeps the write lock short
# (single edits wait at most one batch) and the commits few.
BATCH_SIZE = 500
# A running job whose worker has not written for this long is taken over.
STALE_AFTER = timedelta(seconds=60)
# A queued job nobody picked up for this long is queued again (its message was lost).
LOST_AFTER = timedelta(seconds=30)
RESULT_COLUMNS = ("customer_id", "customer", "outcome", "reason")


def create(viewer, code, argument, search_params, ids, description, expected):
    """Record a new job (state queued) for ``viewer``; the caller then queues its id.

    ``search_params``: the list's search as its URL query string; ``ids``: the ticked
    rows (empty: everything the search matches); ``expected``: the preview's count.
    """
    return BulkJob.create(user_name=viewer.name, role=viewer.role, owner_id=viewer.owner_id,
                          owner_name=viewer.owner_name, action=code, argument=str(argument or ""),
                          search=search_params, ids=" ".join(map(str, ids)), description=description,
                          expected=expected)


def viewer_of(job):
    """The viewer the job acts as: who started it, as they were then."""
    return Viewer(job.user_name, job.role, job.owner_id, job.owner_name)


def ticked(job):
    """The ticked customer ids of ``job`` (empty: the whole search)."""
    return [int(i) for i in job.ids.split()]


def find(job_id, viewer):
    """The job if ``viewer`` may see it (its own; the operator's administrators see all), else NotFound."""
    job = BulkJob.get_or_none(BulkJob.id == job_id)
    if job is None or not (job.user_name == viewer.name or viewer.role == "operator_admin"):
        raise NotFound("no such job")
    return job


def recent(viewer, limit=20):
    """``viewer``'s latest jobs, newest first."""
    return list(BulkJob.select().where(BulkJob.user_name == viewer.name).order_by(BulkJob.id.desc()).limit(limit))


def cancel(job):
    """Ask the job to stop before its next batch; a job no worker has started stops at once.
    Returns the job as it is now."""
    now = clock.utcnow()
    BulkJob.update(state=CANCELLED, cancel_requested=True, finished_at=now).where(
        (BulkJob.id == job.id) & (BulkJob.state == QUEUED) & (BulkJob.runner == "")).execute()
    BulkJob.update(cancel_requested=True).where(
        (BulkJob.id == job.id) & BulkJob.state.not_in(FINISHED)).execute()
    return BulkJob.get_by_id(job.id)


def runner_name():
    """A name for one run of a job: this host and process, and a token of its own."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _holder_gone(runner):
    """Whether the worker named ``runner`` is known to be dead (a process of this host that is gone)."""
    host, _, rest = runner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def claimable(job, now=None):
    """Whether a worker may take ``job`` now: unfinished, and nobody alive holds it."""
    now = now or clock.utcnow()
    if job.state in FINISHED:
        return False
    if not job.runner:
        return True
    return _holder_gone(job.runner) or job.heartbeat_at is None or job.heartbeat_at < now - STALE_AFTER


def claim(job_id, runner):
    """Take the job for ``runner`` if it is claimable; True when taken. A compare-and-set on
    the previous holder, so of two workers racing for it only one wins."""
    with write_transaction():
        job = BulkJob.get_or_none(BulkJob.id == job_id)
        if job is None or not claimable(job):
            return False
        now = clock.utcnow()
        return BulkJob.update(runner=runner, heartbeat_at=now, state=RUNNING,
                              started_at=fn.COALESCE(BulkJob.started_at, now)).where(
            (BulkJob.id == job_id) & (BulkJob.runner == job.runner)).execute() == 1


def run(job_id, selection_for, batch_size=BATCH_SIZE, runner=None, should_stop=None):
    """Run (or resume) the job to its end; returns its final row, or None if another worker holds it.

    ``selection_for(job)``: the data.search.Search of its stored search, within its viewer's reach.
    ``should_stop()``, asked before each batch: the worker is shutting down; the job is then let
    go after its last batch (still running, held by nobody), and the next worker resumes it.
    A batch that fails in an unexpected way rolls back and fails the job, with the error
    recorded: what the committed batches did stays, and the result says exactly that.
    """
    runner = runner or runner_name()
    if not claim(job_id, runner):
        return None
    job = BulkJob.get_by_id(job_id)
    viewer = viewer_of(job)
    # The history names the job, and the activity log files its changes under "Bulk job".
    actor = replace(viewer, name=job.actor, source="bulk_job")
    ids = ticked(job)
    extra = (Customer.id.in_(ids),) if ids else ()
    try:
        selection = selection_for(job)
        while True:
            if should_stop is not None and should_stop():
                BulkJob.update(runner="").where((BulkJob.id == job_id) & (BulkJob.runner == runner)).execute()
                break
            if not _batch(job_id, runner, selection, extra, viewer, actor, batch_size):
                break
    except Exception as error:  # noqa: BLE001 - whatever it was, the job must say it stopped and why
        BulkJob.update(state=FAILED, error=f"{type(error).__name__}: {error}"[:2000],
                       finished_at=clock.utcnow()).where(
            (BulkJob.id == job_id) & (BulkJob.runner == runner)).execute()
        raise
    return BulkJob.get_by_id(job_id)


def _batch(job_id, runner, selection, extra, viewer, actor, batch_size):
    """One batch in one transaction; False when the job has ended (or is no longer ours)."""
    with write_transaction():
        job = BulkJob.get_by_id(job_id)
        now = clock.utcnow()
        if job.runner != runner or job.state in FINISHED:
            return False
        if job.cancel_requested:
            job.state, job.finished_at = CANCELLED, now
            job.save(only=[BulkJob.state, BulkJob.finished_at])
            return False
        ids = search.ids_after(selection, job.last_id, batch_size, extra)
        if not ids:
            job.state, job.finished_at, job.heartbeat_at = DONE, now, now
            job.save(only=[BulkJob.state, BulkJob.finished_at, BulkJob.heartbeat_at])
            return False
        outcomes = bulk_actions.apply(job.action, job.argument, ids, viewer, actor, now)
        _write_outcomes(job_id, outcomes)
        changed = sum(1 for _, _, reason in outcomes if reason is None)
        moved = BulkJob.update(changed=BulkJob.changed + changed, skipped=BulkJob.skipped + len(outcomes) - changed,
                               last_id=ids[-1], heartbeat_at=now).where(
            (BulkJob.id == job_id) & (BulkJob.runner == runner)).execute()
        if moved != 1:  # taken over meanwhile: leave the batch to the new holder
            raise _Lost()
    return True


def _write_outcomes(job_id, outcomes):
    # One statement run for the batch (executemany): Peewee's insert_many built SQL per row.
    flag = BulkOutcome.changed.db_value
    db.cursor().executemany(_outcome_sql(type(db.obj).__name__),
                            [(job_id, customer_id, name[:100], flag(reason is None), reason or "")
                             for customer_id, name, reason in outcomes])


@lru_cache(maxsize=4)
def _outcome_sql(_dialect):
    return (f'INSERT INTO "bulk_outcome" ("job_id", "customer_id", "customer_name", "changed", "reason") '
            f'VALUES ({", ".join([db.param] * 5)})')


class _Lost(Exception):
    pass


def run_quietly(job_id, selection_for, **kwargs):
    """``run``, for the queue: a job taken over by another worker is not an error."""
    try:
        return run(job_id, selection_for, **kwargs)
    except _Lost:
        return None


def to_resume(now=None):
    """Ids of the unfinished jobs nobody alive is running (their worker was killed, or
    their queue message was lost): what a worker queues again at start and every minute."""
    now = now or clock.utcnow()
    found = []
    for job in BulkJob.select().where(BulkJob.state.in_((QUEUED, RUNNING))).order_by(BulkJob.id):
        if job.runner == "" and job.started_at is None and job.created_at > now - LOST_AFTER:
            continue  # just queued: its message is most likely on its way
        if claimable(job, now):
            found.append(job.id)
    return found


def skip_reasons(job):
    """``[(reason, count)]`` of the customers the job skipped, most frequent first."""
    query = (BulkOutcome.select(BulkOutcome.reason, fn.COUNT(BulkOutcome.id).alias("n"))
             .where((BulkOutcome.job == job.id) & (BulkOutcome.changed == False))  # noqa: E712
             .group_by(BulkOutcome.reason).order_by(fn.COUNT(BulkOutcome.id).desc(), BulkOutcome.reason))
    return [(row.reason, row.n) for row in query]


def outcomes(job, only=None, after=0, limit=100):
    """Up to ``limit`` of the job's outcomes after customer id ``after``, in customer id order.

    ``only``: "changed" or "skipped". Keyset paging, so the last page of a million is as
    quick as the first.
    """
    query = BulkOutcome.select().where((BulkOutcome.job == job.id) & (BulkOutcome.customer_id > after))
    if only in ("changed", "skipped"):
        query = query.where(BulkOutcome.changed == (only == "changed"))
    return list(query.order_by(BulkOutcome.customer_id).limit(limit))


def result_csv(job, batch=5000):
    """The job's outcome per customer as CSV text in pieces (RESULT_COLUMNS), constant memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(RESULT_COLUMNS)
    after = 0
    while True:
        rows = list(BulkOutcome.select(BulkOutcome.customer_id, BulkOutcome.customer_name,
                                       BulkOutcome.changed, BulkOutcome.reason)
                    .where((BulkOutcome.job == job.id) & (BulkOutcome.customer_id > after))
                    .order_by(BulkOutcome.customer_id).limit(batch).tuples())
        if not rows:
            break
        writer.writerows((cid, neutralise(name), "changed" if changed else "skipped", neutralise(reason))
                         for cid, name, changed, reason in rows)
        after = rows[-1][0]
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
