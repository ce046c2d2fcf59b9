"""Server-side sessions: a signed cookie alone stayed valid after sign-out (until it expired).

The cookie now carries a random token; this table holds its SHA-256, so a copy of
the database gives no usable session. Sign-out marks the row revoked; idle and
absolute lifetimes are checked against its times.
"""

STATEMENTS = [
    """CREATE TABLE user_session (
        id VARCHAR(64) PRIMARY KEY,
        user_id {bigint} NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        created_at {ts} NOT NULL,
        last_seen_at {ts} NOT NULL,
        revoked {bool} NOT NULL DEFAULT {false})""",
    "CREATE INDEX user_session_user ON user_session (user_id)",
    # Old rows are pruned by age at each sign-in.
    "CREATE INDEX user_session_created ON user_session (created_at)",
]
