"""Imports in the browser (issue 14): one row per uploaded file, and its problems.

``customer_import``: who uploaded which file (its name, size and the encoding
asked for), where the check and the import stand (``state``), the worker that
holds it (``runner``/``heartbeat_at``, as bulk jobs), and its counts: lines of
the file, customers added, problems found.

``import_problem``: every problem of the last check (or of a refused import),
with its line number, so a file with a hundred thousand bad lines pages through
them instead of holding them in a page.
"""

STATEMENTS = [
    """CREATE TABLE customer_import (
        id {pk},
        user_name VARCHAR(100) NOT NULL,
        role VARCHAR(30) NOT NULL,
        file_name VARCHAR(255) NOT NULL,
        file_size {bigint} NOT NULL DEFAULT 0,
        stored VARCHAR(100) NOT NULL DEFAULT '',
        encoding VARCHAR(30) NOT NULL DEFAULT '',
        used_encoding VARCHAR(30) NOT NULL DEFAULT '',
        state VARCHAR(20) NOT NULL DEFAULT 'checking',
        lines INTEGER NOT NULL DEFAULT 0,
        added INTEGER NOT NULL DEFAULT 0,
        problem_count INTEGER NOT NULL DEFAULT 0,
        runner VARCHAR(100) NOT NULL DEFAULT '',
        heartbeat_at {ts},
        error TEXT NOT NULL DEFAULT '',
        created_at {ts} NOT NULL,
        checked_at {ts},
        started_at {ts},
        finished_at {ts})""",
    "CREATE INDEX customer_import_state ON customer_import (state)",
    """CREATE TABLE import_problem (
        id {pk},
        import_id {bigint} NOT NULL REFERENCES customer_import (id) ON DELETE CASCADE,
        line INTEGER NOT NULL,
        message TEXT NOT NULL)""",
    "CREATE INDEX import_problem_import ON import_problem (import_id, line, id)",
]
