"""Users managed in the app (issue 14): disabling, a forced password change after a
reset, the last sign-in, two-factor sign-in (TOTP secret, the last step used, hashed
single-use recovery codes), a log of sign-ins, the history of changes to each user, and settings kept as data (which
users must use two-factor sign-in).

``session_version`` goes: server-side sessions (m0009) are ended row by row
(``sessions.end_all``), and nothing ever read the counter.
"""

STATEMENTS = [
    "ALTER TABLE app_user ADD COLUMN disabled_at {ts}",
    "ALTER TABLE app_user ADD COLUMN must_change_password {bool} NOT NULL DEFAULT {false}",
    "ALTER TABLE app_user ADD COLUMN last_sign_in_at {ts}",
    "ALTER TABLE app_user ADD COLUMN totp_secret VARCHAR(64)",
    "ALTER TABLE app_user ADD COLUMN totp_last_step {bigint}",
    "ALTER TABLE app_user DROP COLUMN session_version",
    """CREATE TABLE recovery_code (
        id {pk},
        user_id {bigint} NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        code_hash VARCHAR(64) NOT NULL,
        used_at {ts})""",
    "CREATE INDEX recovery_code_user ON recovery_code (user_id)",
    # Successful and failed sign-ins, for "recent sign-ins"; pruned by age at each sign-in.
    """CREATE TABLE sign_in_event (
        id {pk},
        user_id {bigint} REFERENCES app_user (id) ON DELETE CASCADE,
        user_name VARCHAR(100) NOT NULL,
        at {ts} NOT NULL,
        address VARCHAR(64) NOT NULL,
        user_agent VARCHAR(200) NOT NULL DEFAULT '',
        succeeded {bool} NOT NULL,
        detail VARCHAR(100) NOT NULL DEFAULT '')""",
    "CREATE INDEX sign_in_event_user ON sign_in_event (user_id, at)",
    "CREATE INDEX sign_in_event_at ON sign_in_event (at)",
    # What was done to a user's account, by whom (user management is audited, like customers).
    """CREATE TABLE user_change (
        id {pk},
        user_id {bigint} NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        at {ts} NOT NULL,
        actor VARCHAR(100) NOT NULL,
        action VARCHAR(200) NOT NULL)""",
    "CREATE INDEX user_change_user ON user_change (user_id, at)",
    """CREATE TABLE app_setting (
        key VARCHAR(50) PRIMARY KEY,
        value TEXT NOT NULL)""",
]
