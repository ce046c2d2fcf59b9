"""Saved views of the customer list and each user's list settings (issue 13).

``saved_view``: a named list search (the list's own URL query string, checked by
the list's parser when saved and again when opened), owned by one user, and
optionally shared with the user's team (the users of the same owner: the operator's
people, or one reseller's or distributor's staff). Names are unique per user.

``list_setting``: one row per user who changed the defaults: the columns in their
order (hidden ones marked), compact or comfortable rows, and the view the list opens
with. A deleted view stops being anyone's landing view (ON DELETE SET NULL).
"""

STATEMENTS = [
    """CREATE TABLE saved_view (
        id {pk},
        user_id {bigint} NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        name VARCHAR(80) NOT NULL,
        query TEXT NOT NULL DEFAULT '',
        shared {bool} NOT NULL DEFAULT {false},
        created_at {ts} NOT NULL)""",
    "CREATE UNIQUE INDEX saved_view_user_name ON saved_view (user_id, name)",
    """CREATE TABLE list_setting (
        user_id {bigint} PRIMARY KEY REFERENCES app_user (id) ON DELETE CASCADE,
        columns TEXT NOT NULL DEFAULT '',
        compact {bool} NOT NULL DEFAULT {false},
        landing_view_id {bigint} REFERENCES saved_view (id) ON DELETE SET NULL)""",
    "CREATE INDEX list_setting_landing ON list_setting (landing_view_id)",
]
