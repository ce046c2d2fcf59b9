"""The tables of browser imports (migration 0019): the import, and its problems."""
from peewee import BigAutoField, BigIntegerField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from . import clock
from .models import BaseModel

# Where an import stands. Checking and importing are the two jobs a worker runs;
# problems, ready and failed wait for the admin; imported and discarded are final.
CHECKING, PROBLEMS, READY, IMPORTING, IMPORTED, FAILED, DISCARDED = (
    "checking", "problems", "ready", "importing", "imported", "failed", "discarded")
RUNNING = (CHECKING, IMPORTING)
FINAL = (IMPORTED, DISCARDED)
LABELS = {CHECKING: "Checking", PROBLEMS: "Problems found", READY: "Ready to import", IMPORTING: "Importing",
          IMPORTED: "Imported", FAILED: "Not imported", DISCARDED: "Discarded"}


class CustomerImport(BaseModel):
    """One uploaded CSV file: its check, then its import (all or nothing)."""
    id = BigAutoField()
    user_name = CharField(max_length=100)
    role = CharField(max_length=30)
    file_name = CharField(max_length=255)               # as the browser sent it (shown, never used as a path)
    file_size = BigIntegerField(default=0)
    stored = CharField(max_length=100, default="")      # the file's name in the import folder ("" once deleted)
    encoding = CharField(max_length=30, default="")     # as chosen; "" = detected
    used_encoding = CharField(max_length=30, default="")  # what the check read it with
    state = CharField(max_length=20, default=CHECKING)
    lines = IntegerField(default=0)                     # customers (records) in the file
    added = IntegerField(default=0)
    problem_count = IntegerField(default=0)
    runner = CharField(max_length=100, default="")      # host:pid:token of the worker running it
    heartbeat_at = DateTimeField(null=True)
    error = TextField(default="")
    created_at = DateTimeField(default=clock.utcnow)
    checked_at = DateTimeField(null=True)
    started_at = DateTimeField(null=True)                # the import itself (after the check)
    finished_at = DateTimeField(null=True)

    class Meta:
        table_name = "customer_import"

    @property
    def running(self):
        return self.state in RUNNING

    @property
    def label(self):
        return LABELS.get(self.state, self.state)

    @property
    def actor(self):
        """Who the added customers' history names: the user and this import, so the
        activity log filtered by it lists exactly the customers it added."""
        return f"{self.user_name} (import #{self.id})"[:100]


class ImportProblem(BaseModel):
    """One problem of the file, with its line number (0: about the whole file)."""
    id = BigAutoField()
    customer_import = ForeignKeyField(CustomerImport, column_name="import_id", backref="problems",
                                      on_delete="CASCADE")
    line = IntegerField()
    message = TextField()

    class Meta:
        table_name = "import_problem"
