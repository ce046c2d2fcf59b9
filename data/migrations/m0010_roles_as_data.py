"""Roles are data: the permissions table in ``data/access.py`` defines them, and
``data/users.py`` checks a new user's role against it. The CHECK constraint that
listed the role names on ``app_user`` (m0004) goes, so a new role needs no
schema change.

PostgreSQL drops the constraint. SQLite cannot drop a constraint, so the table
is rebuilt the documented way (https://sqlite.org/lang_altertable.html, "Making
Other Kinds Of Table Schema Changes"): create the new table, copy, drop the old
one, rename the new one, recreate its indexes and triggers, check the foreign
keys; all inside the migration's transaction. Foreign keys cannot be switched
off inside a transaction, and dropping ``app_user`` would cascade to the rows
that point at it (``user_session``: everyone would be signed out), so those rows
are set aside first and put back after the rename.
"""
import re

from ..db import db

# The column constraint as m0004 wrote it (whitespace as SQLite stored the statement).
_ROLE_CHECK = re.compile(r"\s+CHECK\s*\(\s*role\s+IN\s*\([^()]*\)\s*\)", re.IGNORECASE)


def _rows(sql, params=()):
    return db.execute_sql(sql, params).fetchall()


def _rebuild_sqlite():
    ((create,),) = _rows("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'app_user'")
    create, found = _ROLE_CHECK.subn("", create)
    if found != 1:
        raise RuntimeError("m0010: the role CHECK constraint of app_user was not found")
    create = re.sub(r"^CREATE TABLE\s+\"?app_user\"?", "CREATE TABLE app_user_new", create, count=1)
    # Indexes and triggers go with the old table; their statements are kept to make them again.
    extras = [sql for (sql,) in _rows("SELECT sql FROM sqlite_master WHERE tbl_name = 'app_user' "
                                      "AND type IN ('index', 'trigger') AND sql IS NOT NULL")]
    columns = ", ".join(f'"{row[1]}"' for row in _rows("PRAGMA table_info(app_user)"))
    children = [name for (name,) in _rows("SELECT name FROM sqlite_master WHERE type = 'table'")
                if any(fk[2] == "app_user" for fk in _rows(f'PRAGMA foreign_key_list("{name}")'))]
    for child in children:
        db.execute_sql(f'CREATE TEMP TABLE "kept_{child}" AS SELECT * FROM "{child}"')
        db.execute_sql(f'DELETE FROM "{child}"')
    db.execute_sql(create)
    db.execute_sql(f"INSERT INTO app_user_new ({columns}) SELECT {columns} FROM app_user")
    db.execute_sql("DROP TABLE app_user")
    db.execute_sql("ALTER TABLE app_user_new RENAME TO app_user")
    for sql in extras:
        db.execute_sql(sql)
    for child in children:
        db.execute_sql(f'INSERT INTO "{child}" SELECT * FROM temp."kept_{child}"')
        db.execute_sql(f'DROP TABLE temp."kept_{child}"')
    for table in ["app_user", *children]:
        if _rows(f'PRAGMA foreign_key_check("{table}")'):
            raise RuntimeError(f"m0010: foreign keys of {table} broken by the rebuild")


STATEMENTS = {
    "sqlite": [_rebuild_sqlite],
    # m0004 declared the CHECK on the column without a name: PostgreSQL named it table_column_check.
    "postgresql": ["ALTER TABLE app_user DROP CONSTRAINT app_user_role_check"],
}
