"""CSV cells and files as spreadsheets write them: formula-safe cells, encodings, line numbers.

Formula injection: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``
or ``@`` (also their fullwidth forms, which some spreadsheets fold to ASCII, and a
leading tab or carriage return) as a formula, so text a reseller typed could run on
the operator's machine when the export is opened. Such text cells are written
with a leading apostrophe (OWASP's advice), which spreadsheets show as text and
``import-customers`` takes off again. A value that itself starts with an
apostrophe gets one more, so every value round-trips exactly. Amounts are
written as plain numbers (``-12.5``): they are never text, so never a formula.
"""
import codecs
import csv
import io

FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
QUOTE = "'"
# No customer field is longer than 300 characters; far longer "fields" are a
# broken file (an unclosed quote, a binary file) and must not fill the memory.
FIELD_LIMIT = 131_072
PROGRESS_STEP = 1 << 18
ENCODINGS_HELP = "save it as “CSV UTF-8”, or name its encoding with --encoding (cp1252, latin-1, utf-16)"


def neutralise(text):
    """A text cell as written to CSV: a leading apostrophe when a spreadsheet would run it."""
    if text and (text[0] in FORMULA_STARTS or text[0] == QUOTE):
        return QUOTE + text
    return text


def restore(text):
    """Undo ``neutralise``: the value that was exported (other text unchanged)."""
    if len(text) > 1 and text[0] == QUOTE and (text[1] in FORMULA_STARTS or text[1] == QUOTE):
        return text[1:]
    return text


class FileProblem(Exception):
    """The file cannot be read as CSV at ``line``."""

    def __init__(self, line, message):
        super().__init__(message)
        self.line = line
        self.message = message


def detect_encoding(path, chunk=1 << 20):
    """The encoding to read ``path`` with: UTF-16 (by its mark), else UTF-8 if every byte
    sequence is valid UTF-8, else Windows-1252 (what Excel writes for "CSV" on Windows;
    a superset of Latin-1 for every printable character)."""
    with open(path, "rb") as handle:
        start = handle.read(4)
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while block := handle.read(chunk):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def records(path, encoding=None, progress=None):
    """``(line number, cells)`` for every record of the CSV file at ``path``.

    ``encoding`` None: detected (``detect_encoding``). Raises ``FileProblem`` with
    the line number where the file stops being readable (bad bytes for the
    encoding, a field past ``FIELD_LIMIT``, a NUL byte). ``progress(n)`` gets the
    number of bytes read as it goes (every ``PROGRESS_STEP`` bytes, and at the end).
    """
    encoding = encoding or detect_encoding(path)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise FileProblem(1, f"“{encoding}” is not an encoding Python knows") from None
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        encoding = "utf-8-sig"  # a byte-order mark is not part of the first column's name
    csv.field_size_limit(FIELD_LIMIT)
    with open(path, "rb") as handle:
        reader = csv.reader(_decoded(handle, encoding, progress))
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as error:
            text = str(error)
            if "field larger" in text:
                text = f"a field is longer than {FIELD_LIMIT:,} characters (an unclosed quote?)"
            raise FileProblem(reader.line_num or 1, f"{text}; the rest of the file was not read") from None


def _decoded(handle, encoding, progress):
    """Text lines of a binary file; each line decoded on its own so a bad byte has a line number."""
    if encoding.lower().startswith("utf-16") or encoding.lower().startswith("utf_16"):
        # Two-byte units: lines cannot be split on the byte 0x0a; let Python's reader do it.
        text = io.TextIOWrapper(handle, encoding=encoding, newline="")
        try:
            yield from text
        except UnicodeDecodeError:
            raise FileProblem(0, f"is not valid {encoding} text; {ENCODINGS_HELP}") from None
        finally:
            text.detach()  # the caller closes the file
        return
    decode = codecs.getdecoder(encoding)
    unreported = 0
    for number, raw in enumerate(handle, 1):
        # Progress in steps of PROGRESS_STEP bytes: a progress bar on a terminal redraws
        # on every report, which cost more than reading the line.
        unreported += len(raw)
        if progress and unreported >= PROGRESS_STEP:
            progress(unreported)
            unreported = 0
        try:
            yield decode(raw)[0]
        except UnicodeDecodeError as error:
            raise FileProblem(number, f"is not valid {encoding} text (byte 0x{raw[error.start]:02x}); "
                                      f"{ENCODINGS_HELP}") from None
        if number == 1:
            decode = codecs.getdecoder("utf-8" if encoding == "utf-8-sig" else encoding)
    if progress and unreported:
        progress(unreported)
