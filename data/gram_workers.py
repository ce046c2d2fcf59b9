"""A bulk load's gram counts (``gram_counts.BulkGrams``) made in worker processes.

Counting a search row's grams (some 180 of them) is about half of a seed's Python work
at a million customers, and needs nothing but the row: done in ``processes.pool``
workers, the main process only generates and writes. An import counts its lines' grams
in its own workers, with the rest of the line's checks (``import_rows``).
"""
from collections import deque

from . import processes
from .gram_counts import KeyCounts, text_values

CHUNK = 2000  # rows a worker counts at a time: big enough that sending them costs little
AHEAD = 4  # chunks per worker sent before the first one's answer is read: bounds the memory


def count(rows):
    """``{direct: Counter}`` of the keys (``row_keys``) of ``rows``: ``(direct, texts)``
    pairs, the texts a search row's ``gram_counts.text_values``."""
    counts = KeyCounts()
    for direct, texts in rows:
        counts.add_texts(direct, texts)
    return counts.result()


class CountingPool:
    """Counts the grams of search rows into ``grams`` (a ``BulkGrams``), in ``pool`` (a
    ``processes.pool``) or, where there is none, here. ``finish`` before ``grams.finish``."""

    def __init__(self, grams, pool):
        self.grams, self.pool = grams, pool
        self.rows, self.pending = [], deque()

    def add(self, row):
        """Count one search row (a ``CustomerSearch.row_for`` dict)."""
        self.rows.append((bool(row["direct"]), text_values(row)))
        if len(self.rows) >= CHUNK:
            self._send()

    def _send(self):
        rows, self.rows = self.rows, []
        if self.pool is None:
            self._take(count(rows))
            return
        self.pending.append(self.pool.apply_async(count, (rows,)))
        while len(self.pending) > AHEAD * processes.PROCESSES:
            self._take(self.pending.popleft().get())

    def _take(self, counts):
        for direct, keys in counts.items():
            self.grams.add_counts(direct, keys)

    def finish(self):
        """Count the rows still here and wait for the workers' counts."""
        if self.rows:
            self._send()
        while self.pending:
            self._take(self.pending.popleft().get())
