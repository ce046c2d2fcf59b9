"""Bulk jobs in data/: the preview, the batches through the change pipeline, the
checkpoint, cancel, take-over, and the result (issue 13)."""
from datetime import timedelta

import pytest

from data import bulk_actions, bulk_jobs, clock, listing
from data.access import Viewer
from data.bulk_records import BulkJob, BulkOutcome
from data.models import Customer
from data.records import History
from data.search import Search
from tests import factories

ADMIN = Viewer("alice", "operator_admin")


def everyone(viewer=ADMIN):
    return Search(listing.Scope("all"), viewer=viewer)


def start(code, argument="", viewer=ADMIN, ids=(), expected=0):
    return bulk_jobs.create(viewer, code, argument, "scope=all", list(ids), "test", expected)


def run(job, batch_size=500, viewer=ADMIN):
    return bulk_jobs.run(job.id, lambda _job: everyone(viewer), batch_size=batch_size)


@pytest.fixture
def mixed(database):
    active = [factories.customer(f"Active {n}") for n in range(5)]
    blocked = [factories.customer(f"Blocked {n}", blocked=True) for n in range(3)]
    terminated = [factories.customer(f"Gone {n}", terminated_at=clock.utcnow()) for n in range(2)]
    return active, blocked, terminated


def test_preview_counts_what_will_change_and_why_the_rest_is_skipped(mixed):
    preview = bulk_actions.preview("block", "", everyone(), ADMIN)
    assert (preview.total, preview.will_change) == (10, 5)
    assert dict(preview.skipped) == {"already blocked": 3, "it is permanently terminated": 2}


def test_preview_of_permanent_termination_and_of_a_class_change(mixed):
    assert bulk_actions.preview("permanently_terminate", "", everyone(), ADMIN).will_change == 8
    cls = factories.customer_class("Gold")
    Customer.update(customer_class=cls.id).where(Customer.name == "Active 0").execute()
    preview = bulk_actions.preview("change_class", cls.id, everyone(), ADMIN)
    assert preview.will_change == 7
    assert dict(preview.skipped) == {"nothing to change": 1, "it is permanently terminated": 2}


def test_a_job_changes_through_the_pipeline_and_names_itself_in_the_history(mixed):
    active, blocked, terminated = mixed
    job = run(start("block"), batch_size=3)
    assert (job.state, job.changed, job.skipped) == ("done", 5, 5)
    assert job.last_id == max(c.id for c in (*active, *blocked, *terminated))
    assert all(Customer.get_by_id(c.id).blocked for c in active)
    assert Customer.get_by_id(active[0].id).version == active[0].version + 1
    rows = History.select().where(History.customer_id == active[0].id)
    assert {(r.actor, r.action, r.field) for r in rows} == {
        (f"alice (bulk job #{job.id})", "block", "blocked"), (f"alice (bulk job #{job.id})", "block", "status")}
    assert {r.source for r in rows} == {"bulk_job"}  # the activity log files it under "Bulk job"
    reasons = dict(bulk_jobs.skip_reasons(job))
    assert reasons == {"already blocked": 3, "it is permanently terminated": 2}
    assert BulkOutcome.select().where(BulkOutcome.job == job.id).count() == 10


def test_ticked_ids_narrow_the_selection(mixed):
    active, _, _ = mixed
    job = run(start("block", ids=[active[0].id, active[1].id]))
    assert job.changed == 2 and job.skipped == 0
    assert not Customer.get_by_id(active[2].id).blocked


def test_reseller_staff_change_only_their_own_customers(database):
    own, other = factories.reseller("Own"), factories.reseller("Other")
    mine = factories.customer("Mine", reseller=own)
    theirs = factories.customer("Theirs", reseller=other)
    staff = Viewer("rita", "reseller_staff", own.id, "Own")
    job = run(start("block", viewer=staff), viewer=staff)
    assert job.changed == 1
    assert Customer.get_by_id(mine.id).blocked and not Customer.get_by_id(theirs.id).blocked
    assert BulkOutcome.select().where(BulkOutcome.customer_id == theirs.id).count() == 0


def test_a_role_without_the_permission_changes_nothing(mixed):
    clerk = Viewer("bob", "billing_clerk")
    job = run(start("block", viewer=clerk), viewer=clerk)
    assert job.changed == 0 and job.skipped == 10
    assert {r for r, _ in bulk_jobs.skip_reasons(job)} == {"Billing clerk cannot change a customer's status"}


def test_delete_deletes_only_those_that_may_be_deleted(database):
    free = factories.customer("Free")
    kept = factories.customer("Kept")
    factories.account(kept)
    preview = bulk_actions.preview("delete", "", everyone(), ADMIN)
    assert (preview.will_change, dict(preview.skipped)) == (1, {"it owns accounts": 1})
    job = run(start("delete"))
    assert job.changed == 1
    assert Customer.get_or_none(Customer.id == free.id) is None
    assert Customer.get_or_none(Customer.id == kept.id) is not None
    assert History.get(History.customer_id == free.id).action == "delete"


def test_change_class(mixed):
    cls = factories.customer_class("Gold")
    job = run(start("change_class", cls.id))
    assert job.changed == 8
    assert Customer.select().where(Customer.customer_class == cls.id).count() == 8


def test_cancel_stops_before_the_next_batch_and_keeps_what_was_done(mixed):
    job = start("block")
    calls = []

    def selection(_job):
        calls.append(1)
        return everyone()

    real = bulk_jobs._batch

    def one_then_cancel(*args):
        done = real(*args)
        bulk_jobs.cancel(BulkJob.get_by_id(job.id))
        return done

    bulk_jobs._batch = one_then_cancel
    try:
        finished = bulk_jobs.run(job.id, selection, batch_size=2)
    finally:
        bulk_jobs._batch = real
    assert finished.state == "cancelled"
    assert finished.done == 2 and finished.last_id > 0
    assert BulkOutcome.select().where(BulkOutcome.job == job.id).count() == 2


def test_a_queued_job_is_cancelled_at_once(database):
    job = bulk_jobs.cancel(start("block"))
    assert job.state == "cancelled"


def test_a_resumed_job_goes_on_after_its_checkpoint(mixed):
    job = start("block")
    # As a killed worker leaves it: running, held by a process that is gone, two customers done.
    first = Customer.select().order_by(Customer.id).limit(2)
    ids = [c.id for c in first]
    from data.db import write_transaction
    with write_transaction():
        outcomes = bulk_actions.apply("block", "", ids, ADMIN, "alice (bulk job)")
        BulkOutcome.insert_many([dict(job=job.id, customer_id=i, customer_name=n, changed=r is None, reason=r or "")
                                 for i, n, r in outcomes]).execute()
        BulkJob.update(state="running", runner="nohost:1:x", heartbeat_at=clock.utcnow() - timedelta(minutes=5),
                       last_id=ids[-1], changed=2).where(BulkJob.id == job.id).execute()
    assert bulk_jobs.to_resume() == [job.id]
    finished = run(job)
    assert (finished.changed, finished.skipped) == (5, 5)
    assert BulkOutcome.select().where(BulkOutcome.job == job.id).count() == 10
    # Nobody was done twice: one "blocked" history row per active customer.
    assert History.select().where(History.field == "blocked").count() == 5


def test_a_job_held_by_a_live_worker_is_not_taken(mixed):
    job = start("block")
    BulkJob.update(state="running", runner=bulk_jobs.runner_name(), heartbeat_at=clock.utcnow()).where(
        BulkJob.id == job.id).execute()
    assert bulk_jobs.to_resume() == []
    assert run(job) is None


def test_the_result_csv_lists_every_customer(mixed):
    job = run(start("block"))
    text = "".join(bulk_jobs.result_csv(job, batch=3))
    lines = text.strip().split("\r\n")
    assert lines[0] == "customer_id,customer,outcome,reason"
    assert len(lines) == 11
    assert any(line.endswith(",skipped,already blocked") for line in lines)
