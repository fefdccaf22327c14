-- Each current password found older than its resource policy's `max_age_days`, once per
-- version: its `password.expired` event is recorded with the row.
CREATE TABLE password_expiries (
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    version integer NOT NULL,
    expired_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, version)
);
