"""Sign-in: the people who use the app, their roles, and failed sign-in attempts."""

STATEMENTS = [
    """CREATE TABLE app_user (
        id {pk},
        name VARCHAR(100) NOT NULL UNIQUE,
        password_hash VARCHAR(255) NOT NULL,
        role VARCHAR(30) NOT NULL
            CHECK (role IN ('operator_admin', 'operator_viewer', 'reseller_staff', 'distributor_staff')),
        owner_id {bigint} REFERENCES customer (id) ON DELETE RESTRICT,
        session_version INTEGER NOT NULL DEFAULT 1,
        created_at {ts} NOT NULL)""",
    "CREATE INDEX app_user_owner ON app_user (owner_id)",
    # Kept to slow down guessing, per account and per address; old rows stop counting.
    """CREATE TABLE sign_in_failure (
        id {pk},
        user_name VARCHAR(100) NOT NULL,
        address VARCHAR(64) NOT NULL,
        at {ts} NOT NULL)""",
    "CREATE INDEX sign_in_failure_user ON sign_in_failure (user_name, at)",
    "CREATE INDEX sign_in_failure_address ON sign_in_failure (address, at)",
]
