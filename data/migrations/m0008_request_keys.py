"""One-time keys of payment and manual-charge forms: a client that sends the same
form again (a retry after a lost answer) finds its key taken and records nothing twice."""

STATEMENTS = [
    # Nullable without a default: adding it rewrites neither table (xdr is the big one).
    "ALTER TABLE payment ADD COLUMN request_key VARCHAR(64)",
    "ALTER TABLE xdr ADD COLUMN request_key VARCHAR(64)",
    # Partial: only rows entered through a form carry a key, so the index stays small.
    "CREATE UNIQUE INDEX payment_request_key ON payment (request_key) WHERE request_key IS NOT NULL",
    "CREATE UNIQUE INDEX xdr_request_key ON xdr (request_key) WHERE request_key IS NOT NULL",
]
