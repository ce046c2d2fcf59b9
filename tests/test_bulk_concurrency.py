"""Two bulk jobs over the same customers, and single edits during a job: no update
is lost (the version column), every customer is done once per job (issue 13)."""
import threading

from data import bulk_jobs, changes, listing
from data.access import Viewer
from data.db import db
from data.errors import Stale
from data.models import Customer
from data.records import History
from data.search import Search
from tests import factories

ADMIN = Viewer("alice", "operator_admin")


def run_in_thread(job, results):
    def work():
        with db.connection_context():
            results[job.id] = bulk_jobs.run(job.id, lambda _job: Search(listing.Scope("all"), viewer=ADMIN),
                                            batch_size=20)
    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_two_jobs_over_the_same_customers_lose_nothing(database):
    customers = [factories.customer(f"C {n:03d}") for n in range(200)]
    gold = factories.customer_class("Gold")
    block = bulk_jobs.create(ADMIN, "block", "", "scope=all", [], "all", 200)
    move = bulk_jobs.create(ADMIN, "change_class", gold.id, "scope=all", [], "all", 200)
    db.close()
    results = {}
    threads = [run_in_thread(block, results), run_in_thread(move, results)]
    for thread in threads:
        thread.join(120)
    with db.connection_context():
        assert results[block.id].changed == 200 and results[move.id].changed == 200
        for customer in customers:
            now = Customer.get_by_id(customer.id)
            assert now.blocked and now.customer_class_id == gold.id
            assert now.version == customer.version + 2


def test_an_edit_during_a_job_is_kept_and_a_stale_one_is_refused(database):
    customers = [factories.customer(f"C {n:03d}") for n in range(300)]
    job = bulk_jobs.create(ADMIN, "block", "", "scope=all", [], "all", 300)
    db.close()
    results = {}
    thread = run_in_thread(job, results)
    edited, refused = [], 0
    with db.connection_context():
        for customer in customers[::10]:
            def set_email(c, n=customer.id):
                c.email = f"edited{n}@example.org"
            for _attempt in range(20):
                try:  # on PostgreSQL the job may write between the edit's read and its save:
                    changes.change_customer(customer.id, "bob", "edit", "edit", set_email)
                    break
                except Stale:  # refused, not lost: the person reloads and saves again
                    continue
            edited.append(customer.id)
            try:  # a form shown before the job (and before that edit) must not overwrite them
                changes.change_customer(customer.id, "carol", "edit", "edit", lambda c: None,
                                        expected_version=customer.version)
            except Stale:
                refused += 1
    thread.join(120)
    with db.connection_context():
        assert results[job.id].changed == 300
        assert refused == len(edited)
        for customer_id in edited:
            now = Customer.get_by_id(customer_id)
            assert now.blocked and now.email == f"edited{customer_id}@example.org"
        assert History.select().where(History.field == "blocked").count() == 300


def test_a_write_between_the_batchs_read_and_its_save_is_redone_not_lost(database):
    """PostgreSQL (SQLite's batch holds the write lock from its first read): another
    change commits after the batch read the customer; the batch reads it again and
    applies its change on top."""
    import pytest

    from data.db import is_postgres, write_transaction
    if not is_postgres():
        pytest.skip("SQLite's write transaction locks before reading")
    customer = factories.customer("Raced")
    calls = []

    def block(c):
        if not calls:
            def edit():
                with db.connection_context():
                    changes.change_customer(customer.id, "bob", "edit", "edit",
                                            lambda other: setattr(other, "email", "raced@example.org"))
            thread = threading.Thread(target=edit)
            thread.start()
            thread.join(30)
        calls.append(c.version)
        c.blocked = True

    with write_transaction():
        outcomes = changes.change_many([customer.id], ADMIN, "status", "block", block)
    assert outcomes == [(customer.id, "Raced", None)]
    assert calls == [1, 2]  # the second time on the row as the other change left it
    now = Customer.get_by_id(customer.id)
    assert now.blocked and now.email == "raced@example.org" and now.version == 3
