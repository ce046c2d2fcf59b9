"""The files of browser imports, in the import folder (instance/imports by default).

An upload is written there as it arrives (never held in memory), under a random
name; the page shows the name the browser sent, which is never used as a path.
Beside it, a job running on the file leaves two notes that need no database
write: ``.progress`` (bytes read so far; its modification time is the job's
heartbeat) and ``.cancel`` (the admin asked it to stop). On SQLite an import
holds the write lock for its whole transaction, so the job's own row cannot be
updated until it ends; a note beside the file can.
"""
import codecs
import csv
import io
import os
import secrets
import threading
import time
from datetime import UTC, datetime

from .csvfile import FileProblem, records
from .export import INSTALLATION_COLUMNS

# The encodings offered ("" = detected, as the command does).
ENCODINGS = {"": "Detect (UTF-8, UTF-16 or Windows-1252)", "utf-8": "UTF-8",
             "cp1252": "Windows-1252 (Excel on Windows)", "latin-1": "Latin-1 (ISO 8859-1)",
             "utf-16": "UTF-16 (with its byte-order mark)"}
# Formats people upload by mistake, by their first bytes.
_NOT_CSV = ((b"PK\x03\x04", "a zip file (an Excel .xlsx or LibreOffice .ods workbook?)"),
            (b"\xd0\xcf\x11\xe0", "an Excel .xls workbook"),
            (b"%PDF", "a PDF document"),
            (b"\x89PNG", "a PNG image"),
            (b"\xff\xd8\xff", "a JPEG image"),
            (b"\x1f\x8b", "a gzip-compressed file"))
HEARTBEAT_EVERY = 10  # seconds


class Cancelled(Exception):
    """The admin asked the job to stop: raised from the progress callback, so the
    import's transaction is rolled back."""


class Folder:
    """The import folder: uploads and their notes."""

    def __init__(self, root):
        self.root = str(root)

    def ensure(self):
        os.makedirs(self.root, mode=0o700, exist_ok=True)
        return self

    def new_upload(self):
        """An open binary file for an upload, and its stored name (random: a browser's
        file name is shown, never trusted as a path)."""
        self.ensure()
        stored = f"upload-{secrets.token_hex(12)}.csv"
        return open(os.path.join(self.root, stored), "xb"), stored  # noqa: SIM115 - the caller closes it

    def path(self, stored):
        return os.path.join(self.root, os.path.basename(stored))

    def uploads(self):
        """``(stored name, last written, UTC naive)`` of every upload in the folder."""
        try:
            names = [n for n in os.listdir(self.root) if n.startswith("upload-") and n.endswith(".csv")]
        except FileNotFoundError:
            return []
        found = []
        for name in names:
            try:
                written = datetime.fromtimestamp(os.path.getmtime(self.path(name)), UTC).replace(tzinfo=None)
            except FileNotFoundError:  # removed meanwhile
                continue
            found.append((name, written))
        return found

    def exists(self, stored):
        return bool(stored) and os.path.exists(self.path(stored))

    def remove(self, stored):
        """Delete the upload and its notes (a missing one is fine)."""
        if not stored:
            return
        for suffix in ("", ".progress", ".cancel"):
            try:
                os.remove(self.path(stored) + suffix)
            except FileNotFoundError:
                pass

    def bytes_done(self, stored):
        """Bytes the running job has read (0 when it has not said yet)."""
        try:
            with open(self.path(stored) + ".progress") as note:
                return int(note.read().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def heartbeat(self, stored):
        """When the job on ``stored`` last gave a sign of life (UTC, naive), or None."""
        try:
            return datetime.fromtimestamp(os.path.getmtime(self.path(stored) + ".progress"), UTC).replace(tzinfo=None)
        except FileNotFoundError:
            return None

    def cancel(self, stored):
        """Ask the job on ``stored`` to stop (read by its progress callback)."""
        if self.exists(stored):
            with open(self.path(stored) + ".cancel", "w"):
                pass

    def cancelled(self, stored):
        return os.path.exists(self.path(stored) + ".cancel")

    def clear_notes(self, stored):
        for suffix in (".progress", ".cancel"):
            try:
                os.remove(self.path(stored) + suffix)
            except FileNotFoundError:
                pass


class Progress:
    """The progress callback of ``import_customers`` for a job on ``stored``: counts the
    bytes, writes them to the note (at most twice a second), and raises ``Cancelled``
    once the admin asked. A helper thread touches the note every few seconds, so the
    heartbeat goes on while the import builds its indexes at the end (no bytes read then)."""

    def __init__(self, folder, stored):
        self.folder, self.stored, self.done, self.written_at = folder, stored, 0, 0.0
        self.note = folder.path(stored) + ".progress"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat {stored}")

    def __enter__(self):
        self._write()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def __call__(self, n_bytes):
        self.done += n_bytes
        if time.monotonic() - self.written_at >= 0.5:
            self._write()
        if self.folder.cancelled(self.stored):
            raise Cancelled()

    def _write(self):
        self.written_at = time.monotonic()
        partial = self.note + ".new"
        with open(partial, "w") as note:
            note.write(str(self.done))
        os.replace(partial, self.note)  # readers never see half a number

    def _beat(self):
        while not self._stop.wait(HEARTBEAT_EVERY):
            try:
                os.utime(self.note)
            except FileNotFoundError:
                return


def sniff(path, encoding=""):
    """A message saying why the file at ``path`` is not a CSV of customers, judged by its
    first bytes and its header line; None when it looks like one (the check reads the rest)."""
    with open(path, "rb") as handle:
        head = handle.read(65536)
    if not head.strip():
        return "The file is empty. The first line must name the columns (as GET /customers.csv writes them)."
    for magic, what in _NOT_CSV:
        if head.startswith(magic):
            return f"This is {what}, not a CSV file. In the spreadsheet, save it as “CSV UTF-8” and upload that."
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or encoding.startswith("utf-16")
    if b"\x00" in head and not utf16:
        return "This is not a text file (it contains binary data). Upload a CSV file."
    chosen = encoding or ("utf-16" if utf16 else _head_encoding(head))
    try:
        # Only the head: a bad byte further down is the check's problem, with its line number.
        text = codecs.getincrementaldecoder(chosen)(errors="replace").decode(head)
    except LookupError:
        return f"“{encoding}” is not an encoding Python knows."
    first = next(csv.reader(io.StringIO(text.lstrip("\ufeff").split("\n", 1)[0])), [])
    if any("\ufffd" in cell for cell in first):
        return f"The first line is not valid {chosen} text: choose the file's encoding."
    header = [cell.strip() for cell in first]
    unknown = [name for name in header if name not in INSTALLATION_COLUMNS]
    if unknown or not {"name", "currency"} <= set(header):
        shown = ", ".join(f"“{name[:40]}”" for name in (unknown or header)[:5])
        return ("The first line must name the columns, as GET /customers.csv writes them (“name” and “currency” "
                f"at least; known: {', '.join(INSTALLATION_COLUMNS)}). This file's first line has {shown}.")
    return None


def _head_encoding(head):
    """The header's encoding without reading the whole file (detect_encoding does, for the check)."""
    try:
        head.split(b"\n", 1)[0].decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1252"


def count_records(path, encoding):
    """Non-blank records after the header, up to where the file stops being readable."""
    count = 0
    try:
        for _, cells in records(path, encoding):
            count += any(cell.strip() for cell in cells)
    except FileProblem:
        pass
    return max(count - 1, 0)

