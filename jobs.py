"""The background queue: huey, and the bulk job task it runs.

One queue for the whole installation. Single box: huey's SQLite storage, a file
in the instance folder (``HUEY_FILE``). Several app servers: set ``REDIS_URL`` and
every server and worker shares one Redis queue. The job itself is in the app's
database (data/bulk_jobs.py); the queue only carries "run job N", so a message
lost with a killed process loses nothing: the worker queues unfinished jobs
nobody is running again, at start and every minute.

Run the worker with ``flask --app app worker`` (``make demo`` starts one).
"""
import logging
import os
import threading
from datetime import timedelta
from urllib.parse import parse_qsl

import click
from flask import current_app
from flask.cli import with_appcontext
from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from werkzeug.datastructures import MultiDict

from data import bulk_jobs, imports
from data.db import db
from data.import_files import Folder
from views import list_url

# Its storage is set by ``configure`` (create_app calls it): until then, nothing is written anywhere.
huey = Huey("customer-management", results=False, utc=True, storage_class=MemoryStorage)
_settings = {"batch_size": bulk_jobs.BATCH_SIZE, "consumer": None}


def configure(config, instance_path):
    """Point the queue at the storage the app's ``config`` names: Redis when ``REDIS_URL``
    is set, else the SQLite file ``HUEY_FILE`` (default: instance/huey.sqlite3);
    ``HUEY_IMMEDIATE`` runs each task at once in the caller (tests)."""
    huey.name = config.get("HUEY_NAME") or "customer-management"
    if config.get("REDIS_URL"):
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": config["REDIS_URL"]}
    else:
        path = config.get("HUEY_FILE") or os.path.join(instance_path, "huey.sqlite3")
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": path}
    huey._immediate = bool(config.get("HUEY_IMMEDIATE"))
    huey.storage = huey.create_storage()
    _settings["batch_size"] = int(config.get("BULK_BATCH_SIZE") or bulk_jobs.BATCH_SIZE)
    _settings["import_folder"] = import_folder(config, instance_path)
    _settings["import_keep"] = timedelta(days=float(config.get("IMPORT_KEEP_DAYS") or 7))


def import_folder(config, instance_path):
    """Where uploaded import files wait for the worker (the web and the worker share it)."""
    return Folder(config.get("IMPORT_FOLDER") or os.path.join(instance_path, "imports"))


def selection_for(job):
    """The search a job's selection is: its stored list URL parameters, read by the list's
    own grammar, within the reach of the viewer it was started by."""
    return list_url.selection(MultiDict(parse_qsl(job.search, keep_blank_values=True)), bulk_jobs.viewer_of(job))


class _connected:
    """A database connection for a task: its own in a worker; the caller's in immediate mode."""

    def __enter__(self):
        self.opened = db.is_closed()
        if self.opened:
            db.connect()

    def __exit__(self, *exc):
        if self.opened and not db.is_closed():
            db.close()


@huey.task()
def run_bulk_job(job_id):
    """Run (or resume) bulk job ``job_id``."""
    with _connected():
        bulk_jobs.run_quietly(job_id, selection_for, batch_size=_settings["batch_size"], should_stop=_stopping)


def _stopping():
    # The worker was asked to stop (Ctrl-C, SIGINT): a job lets go after its current batch
    # instead of holding the shutdown until it has done a million customers.
    consumer = _settings["consumer"]
    return consumer is not None and consumer.stop_flag.is_set()


@huey.periodic_task(crontab(minute="*"))
def resume_interrupted():
    """Queue again every unfinished job nobody alive is running."""
    with _connected():
        found = bulk_jobs.to_resume()
    for job_id in found:
        run_bulk_job(job_id)
    return found


# One import at a time per worker: on SQLite a second one would wait the busy timeout for the
# first one's write lock and fail; here it waits its turn (its page says "Waiting for a worker").
_one_import = threading.Lock()


@huey.task()
def run_import(import_id):
    """Run the check or the import of browser import ``import_id`` (data/imports.py)."""
    with _one_import, _connected():
        imports.run_quietly(import_id, _settings["import_folder"])


@huey.periodic_task(crontab(minute="*"))
def resume_imports():
    """Queue again every check or import nobody alive is running (its worker was killed:
    nothing of it was written, it starts over)."""
    with _connected():
        found = imports.to_resume(_settings["import_folder"])
    for import_id in found:
        run_import(import_id)
    return found


@huey.periodic_task(crontab(minute="17"))
def expire_imports():
    """Discard the checked files that waited too long, and uploads no import names (hourly)."""
    with _connected():
        return imports.expire(_settings["import_folder"], keep=_settings["import_keep"])


@click.command("worker")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Jobs run at the same time (threads).")
@with_appcontext
def worker_command(workers):
    """Run the background worker: bulk jobs from the queue. Ctrl-C (SIGINT) stops it after the
    current batch; the job resumes at the next start. SIGTERM stops it at once (the batch
    under way is rolled back, and also resumed)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    click.echo(f"Worker on {'Redis' if current_app.config.get('REDIS_URL') else huey.storage_kwargs['filename']}"
               f" with {workers} thread(s).")
    resumed = resume_interrupted.call_local()
    if resumed:
        click.echo(f"Resuming interrupted bulk jobs: {', '.join(f'#{i}' for i in resumed)}.")
    if restarted := resume_imports.call_local():
        click.echo(f"Restarting interrupted imports: {', '.join(f'#{i}' for i in restarted)}.")
    # An idle consumer polls the SQLite queue less and less often, up to max_delay (huey's
    # default 10 s): a job someone just started would wait that long. A poll is one indexed
    # read, so once a second costs nothing; Redis storage blocks on the queue instead.
    consumer = _settings["consumer"] = huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                                            max_delay=1.0)
    consumer.run()
