"""The lines of an import file: each one as a dict of its cells, and what is wrong with them.

``import-customers`` (data/importer.py) reads a file through ``lines``; the second,
read-only pass that names every problem (data/import_check.py) reads it again the same way.
"""
from dataclasses import dataclass

from .csvfile import FileProblem, records, restore
from .export import INSTALLATION_COLUMNS as COLUMNS
from .validation import MONEY


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self):
        return f"line {self.line}: {self.message}" if self.line else self.message


class ImportFailed(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _header(cells):
    header = [name.strip() for name in cells]
    problems = [Problem(1, f"unknown column “{name}” (columns: {', '.join(COLUMNS)})")
                for name in header if name not in COLUMNS]
    problems += [Problem(1, f"column “{name}” appears twice") for name in sorted(set(header))
                 if header.count(name) > 1]
    problems += [Problem(1, f"required column “{name}” is missing") for name in ("name", "currency")
                 if name not in header]
    if problems:
        raise ImportFailed(problems)
    return header


def lines(path, encoding, progress, problems):
    """``(line, raw dict)`` for every non-blank record; shape problems go to ``problems``."""
    rows = records(path, encoding, progress)
    try:
        first = next(rows, None)
        if first is None:
            raise ImportFailed([Problem(1, "the file is empty; the first line must name the columns")])
        header = _header(first[1])
        text_columns = [i for i, name in enumerate(header) if name not in MONEY]
        for line, cells in rows:
            if len(cells) != len(header):
                if any(cell.strip() for cell in cells):
                    problems.append(Problem(line, f"has {len(cells)} fields, the header has {len(header)}"))
                continue
            # The apostrophe an export put before a formula-like cell. Most lines have no
            # cell that starts with one: a single search of the joined cells says so.
            if "\x00'" in "\x00" + "\x00".join(cells):
                for i in text_columns:
                    if cells[i][:1] == "'":
                        cells[i] = restore(cells[i])
            yield line, dict(zip(header, cells, strict=True))
    except FileProblem as problem:
        problems.append(Problem(problem.line, problem.message))
