"""The tables of bulk jobs (migration 0018): the job, and what it did to each customer."""
import re

from peewee import (
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from . import clock
from .import_records import CustomerImport
from .models import BaseModel

QUEUED, RUNNING, DONE, CANCELLED, FAILED = "queued", "running", "done", "cancelled", "failed"
# A job in one of these states has stopped for good.
FINISHED = (DONE, CANCELLED, FAILED)


def actor_name(user_name, job_id):
    """What a bulk job's history rows name as actor ("alice (bulk job #12)")."""
    return f"{user_name} (bulk job #{job_id})"[:100]


# The names a user's background work writes history under: bulk jobs and imports (the
# latter's in data/import_records.py, ``CustomerImport.actor``).
ACTOR_SUFFIX = re.compile(r" \((bulk job|import) #\d+\)$")


def bulk_actors(user_name):
    """Every actor name the bulk jobs and imports of ``user_name`` wrote history under."""
    jobs = BulkJob.select(BulkJob.id).where(BulkJob.user_name == user_name).tuples()
    imports = CustomerImport.select().where(CustomerImport.user_name == user_name)
    return [actor_name(user_name, job_id) for (job_id,) in jobs] + [i.actor for i in imports]


class BulkJob(BaseModel):
    """One bulk action over a selection, run in the background."""
    id = BigAutoField()
    user_name = CharField(max_length=100)
    role = CharField(max_length=30)
    owner_id = BigIntegerField(null=True)
    owner_name = CharField(max_length=100, default="")
    action = CharField(max_length=30)
    argument = CharField(max_length=200, default="")   # the class id of "change class"
    search = TextField(default="")                      # the list's search, as its URL query string
    ids = TextField(default="")                         # ticked rows only: their ids, space separated
    description = TextField(default="")                 # the selection in words ("“smith” in all customers")
    state = CharField(max_length=20, default=QUEUED)
    cancel_requested = BooleanField(default=False)
    expected = IntegerField(default=0)                  # the count when it was started (the progress bar's end)
    changed = IntegerField(default=0)
    skipped = IntegerField(default=0)
    last_id = BigIntegerField(default=0)                # the checkpoint: last customer id of the last batch
    runner = CharField(max_length=100, default="")      # host:pid:token of the worker running it
    heartbeat_at = DateTimeField(null=True)
    error = TextField(default="")
    created_at = DateTimeField(default=clock.utcnow)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)

    @property
    def actor(self):
        """The name the history gives this job's changes: its user's, naming the job."""
        return actor_name(self.user_name, self.id)

    @property
    def done(self):
        """Customers looked at so far."""
        return self.changed + self.skipped

    @property
    def finished(self):
        return self.state in FINISHED

    @property
    def percent(self):
        if self.finished and self.state == DONE:
            return 100
        return min(100, (100 * self.done) // self.expected) if self.expected else 0


class BulkOutcome(BaseModel):
    """What a job did to one customer: changed, or skipped and why."""
    id = BigAutoField()
    job = ForeignKeyField(BulkJob, backref="outcomes", on_delete="CASCADE")
    customer_id = BigIntegerField()
    customer_name = CharField(max_length=100)
    changed = BooleanField()
    reason = TextField(default="")
