"""The activity log (issue 14): where each change came from, whose customer it was,
and the indexes that page through millions of rows newest first.

``source``: web, command, maintenance, import or bulk_job. Rows written before
this migration are classed by what wrote them: imports name the action "import",
maintenance acts under its own name, and no command changed a single customer
before, so everything else came from the web.

``reseller_id`` / ``distributor_id``: the customer's owners when the change was
made, copied on the row (plain numbers, no foreign key: the history outlives the
customer and its owners), so reseller and distributor staff keep seeing their
customers' entries after a delete. Old rows take the owners the customer has now
(a deleted customer's old rows stay without owners: nobody can tell them any more).

Indexes: each ends in ``(at, id)``, the log's order, so a filter on one of their
first columns reads its page from the index without sorting; the owners' indexes
are partial (most customers are the operator's own).
"""

STATEMENTS = [
    "ALTER TABLE history ADD COLUMN source VARCHAR(20) NOT NULL DEFAULT 'web'",
    "ALTER TABLE history ADD COLUMN reseller_id {bigint}",
    "ALTER TABLE history ADD COLUMN distributor_id {bigint}",
    "UPDATE history SET source = 'import' WHERE action = 'import'",
    "UPDATE history SET source = 'maintenance' WHERE actor = 'maintenance'",
    """UPDATE history SET
        reseller_id = (SELECT c.reseller_id FROM customer c WHERE c.id = history.customer_id),
        distributor_id = (SELECT c.distributor_id FROM customer c WHERE c.id = history.customer_id)""",
    "CREATE INDEX history_at ON history (at, id)",
    "CREATE INDEX history_actor ON history (actor, at, id)",
    "CREATE INDEX history_action ON history (action, at, id)",
    "CREATE INDEX history_source ON history (source, at, id)",
    "CREATE INDEX history_reseller ON history (reseller_id, at, id) WHERE reseller_id IS NOT NULL",
    "CREATE INDEX history_distributor ON history (distributor_id, at, id) WHERE distributor_id IS NOT NULL",
]
