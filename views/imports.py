"""Imports in the browser (issue 14): upload a CSV, see its problems, import it.

``/imports`` lists past imports and takes an upload; ``/imports/<id>`` shows the
check's progress (htmx polls it; without JavaScript a Refresh link), its problems
page by page, and "Import now" once the check passed. The file is written to the
import folder as it arrives (never held in memory), up to ``IMPORT_MAX_MB``; the
check and the import run in the worker (jobs.py), never in the request.
"""
import math
import os
from collections import namedtuple

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

import jobs
from data import import_files, imports
from data.errors import Conflict

from .actor import current_viewer
from .errors import error_response
from .htmx import is_fragment_request

bp = Blueprint("imports", __name__, url_prefix="/imports")
PROBLEMS_PER_PAGE = 100
LIST_PER_PAGE = 25
Page = namedtuple("Page", "page pages")


def _folder():
    return jobs.import_folder(current_app.config, current_app.instance_path)


def _limit():
    return int(float(current_app.config.get("IMPORT_MAX_MB") or 512) * 1024 * 1024)


@bp.before_request
def _only_importers():
    imports.check_may_import(current_viewer())


def _index(status=200, errors=None, encoding=""):
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, more = imports.recent((page - 1) * LIST_PER_PAGE, LIST_PER_PAGE)
    return make_response(render_template(
        "imports/index.html", imports=rows, page=page, more=more, errors=errors or {}, encoding=encoding,
        encodings=import_files.ENCODINGS, limit_mb=_limit() // (1024 * 1024)), status)


@bp.get("")
def index():
    """Past imports, newest first, and the upload form."""
    return _index()


class _Upload:
    """The upload's file parts, written straight to the import folder by the form parser.
    Whatever is not kept for an import is deleted when the request ends."""

    def __init__(self, folder):
        self.folder, self.parts, self.kept = folder, [], None

    def __call__(self, total_content_length, content_type, filename=None, content_length=None):
        handle, stored = self.folder.new_upload()
        self.parts.append((handle, stored))
        return handle

    def stored(self, handle):
        """The stored name of ``handle``'s part (closed, so it can be read)."""
        for part, stored in self.parts:
            if part is handle:
                part.close()
                return stored
        return None

    def clean_up(self):
        for part, stored in self.parts:
            part.close()
            if stored != self.kept:
                self.folder.remove(stored)


@bp.url_value_preprocessor
def _upload_limits(endpoint, _values):
    # Before any hook reads the form (the app's NUL check does): this request's own size
    # limit, and its file parts written to the import folder instead of a temporary file.
    if endpoint == "imports.upload" and request.method == "POST":
        g.import_upload = _Upload(_folder())
        request.max_content_length = _limit()
        request._get_file_stream = g.import_upload


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    return error_response(413, f"The file is larger than the limit of {_limit() / (1024 * 1024):,g} MB. "
                               "Split it into smaller files, or ask whoever runs the server to raise the "
                               "limit (IMPORT_MAX_MB) or to import it with the import-customers command.")


@bp.post("")
def upload():
    """Store the file, record the import and queue its check; then its page (303)."""
    current_app.extensions["csrf"].protect()  # exempt from the hook: checked once the limits are set
    folder, parts = _folder(), g.import_upload
    sent = request.files.get("file")
    encoding = request.form.get("encoding", "").strip().lower()
    errors = {}
    if encoding not in import_files.ENCODINGS:
        errors["encoding"] = f"Choose an encoding from the list (not “{encoding[:30]}”)."
    if sent is None or not sent.filename:
        errors["file"] = "Choose a CSV file to upload."
    if errors:
        return _index(422, errors, encoding)
    stored = parts.stored(sent.stream)
    problem = import_files.sniff(folder.path(stored), encoding)
    if problem:
        return _index(422, {"file": problem}, encoding)
    name = os.path.basename(sent.filename.replace("\\", "/"))
    found = imports.create(current_viewer(), name, os.path.getsize(folder.path(stored)), stored, encoding)
    parts.kept = stored
    jobs.run_import(found.id)
    return redirect(url_for("imports.show", import_id=found.id), 303)


def _context(found):
    folder = _folder()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    pages = max(1, math.ceil(found.problem_count / PROBLEMS_PER_PAGE))
    page = min(page, pages)
    done = imports.bytes_done(found, folder)
    percent = min(100, 100 * done // found.file_size) if found.file_size else 0
    return dict(imp=found, done=done, percent=percent, stopping=found.running and folder.cancelled(found.stored),
                problems=imports.problems(found, (page - 1) * PROBLEMS_PER_PAGE, PROBLEMS_PER_PAGE),
                problem_page=Page(page, pages), encodings=import_files.ENCODINGS,
                activity_url=url_for("activity.index", user=found.actor, source="import"),
                problem_link=lambda page: url_for("imports.show", import_id=found.id, page=page))


def _page(found):
    template = "imports/_progress.html" if is_fragment_request() else "imports/show.html"
    response = make_response(render_template(template, **_context(found)))
    response.vary.add("HX-Request")
    return response


@bp.get("/<int:import_id>")
def show(import_id):
    """The import: the check's (or the import's) progress, its problems, its result."""
    return _page(imports.find(import_id, current_viewer()))


def _after(found, action):
    try:
        found = action(found)
    except Conflict as conflict:
        return error_response(409, f"{conflict.message[:1].upper()}{conflict.message[1:]}. "
                                   "Reload the page to see where it stands.")
    if is_fragment_request():
        return _page(found)
    return redirect(url_for("imports.show", import_id=found.id), 303)


@bp.post("/<int:import_id>/import")
def start(import_id):
    """Import now (only once the check passed): queued for the worker, all or nothing."""
    found = imports.find(import_id, current_viewer())

    def go(found):
        found = imports.start_import(found)
        jobs.run_import(found.id)
        return found
    return _after(found, go)


@bp.post("/<int:import_id>/check")
def check(import_id):
    """Check the file again, with the encoding chosen now."""
    found = imports.find(import_id, current_viewer())
    encoding = request.form.get("encoding", "").strip().lower()
    if encoding not in import_files.ENCODINGS:
        return error_response(422, f"Choose an encoding from the list (not “{encoding[:30]}”).")

    def again(found):
        found = imports.check_again(found, _folder(), encoding)
        jobs.run_import(found.id)
        return found
    return _after(found, again)


@bp.post("/<int:import_id>/discard")
def discard(import_id):
    """Cancel a check or an import under way (nothing is written), or discard a waiting file."""
    found = imports.find(import_id, current_viewer())
    return _after(found, lambda found: imports.discard(found, _folder()))


@bp.teardown_request
def _forget_parts(_exc):
    # Files of a refused upload (too large, forged, not a CSV) are not kept.
    parts = g.pop("import_upload", None)
    if parts is not None:
        parts.clean_up()


def size_text(n_bytes):
    """A file size as people read it: 812 KB, 180.4 MB."""
    if n_bytes < 1024 * 1024:
        return f"{max(1, round(n_bytes / 1024)) if n_bytes else 0:,} KB"
    return f"{n_bytes / (1024 * 1024):,.1f} MB"


# The nav shows "Imports" only to those who may import.
bp.add_app_template_global(imports.may_import, "may_import")
bp.add_app_template_filter(size_text, "size_text")
