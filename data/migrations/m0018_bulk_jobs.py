"""Bulk actions on the customer list (issue 13) run as background jobs.

``bulk_job``: one row per job: who started it (a snapshot of the viewer: name,
role, owner), the selection as the list's own search parameters (a URL query
string, plus the ids when only some rows were ticked), the action, its totals
and progress, its state and cancel flag, and the checkpoint: the last customer
id of the last committed batch, so a job that was interrupted resumes right
after it. ``runner``/``heartbeat_at`` say which worker holds the job.

``bulk_outcome``: one row per customer a job looked at: changed, or skipped and
why (the result page and its CSV). Unique per job and customer: a batch that is
replayed after an interruption cannot count a customer twice.
"""

STATEMENTS = [
    """CREATE TABLE bulk_job (
        id {pk},
        user_name VARCHAR(100) NOT NULL,
        role VARCHAR(30) NOT NULL,
        owner_id {bigint},
        owner_name VARCHAR(100) NOT NULL DEFAULT '',
        action VARCHAR(30) NOT NULL,
        argument VARCHAR(200) NOT NULL DEFAULT '',
        search TEXT NOT NULL DEFAULT '',
        ids TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        state VARCHAR(20) NOT NULL DEFAULT 'queued',
        cancel_requested {bool} NOT NULL DEFAULT {false},
        expected INTEGER NOT NULL DEFAULT 0,
        changed INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        last_id {bigint} NOT NULL DEFAULT 0,
        runner VARCHAR(100) NOT NULL DEFAULT '',
        heartbeat_at {ts},
        error TEXT NOT NULL DEFAULT '',
        created_at {ts} NOT NULL,
        started_at {ts},
        finished_at {ts})""",
    "CREATE INDEX bulk_job_user ON bulk_job (user_name, id)",
    "CREATE INDEX bulk_job_state ON bulk_job (state)",
    """CREATE TABLE bulk_outcome (
        id {pk},
        job_id {bigint} NOT NULL REFERENCES bulk_job (id) ON DELETE CASCADE,
        customer_id {bigint} NOT NULL,
        customer_name VARCHAR(100) NOT NULL,
        changed {bool} NOT NULL,
        reason TEXT NOT NULL DEFAULT '')""",
    "CREATE UNIQUE INDEX bulk_outcome_job_customer ON bulk_outcome (job_id, customer_id)",
]
