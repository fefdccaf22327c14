-- One-time passwords that go to the user by mail, where the org has a mail server: a new
-- user's first password, or an administrator's reset. No administrator ever sees one. The
-- password is made when the mail is sent (the audit service's sender asks for it while the
-- row is open; `issued_at` is the last time) and only its hash is kept, as the user's. The
-- user's own new password, another reset or the deletion of the user closes the row; an
-- open row past `expires_at` gives nothing.
CREATE TABLE mailed_passwords (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason text NOT NULL CHECK (reason IN ('welcome', 'reset')),
    requested_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    issued_at timestamptz,
    closed_at timestamptz
);
CREATE UNIQUE INDEX mailed_passwords_one_open ON mailed_passwords (user_id)
    WHERE closed_at IS NULL;

-- A reset waiting for a second administrator that goes by mail once approved.
ALTER TABLE password_resets ADD COLUMN by_mail boolean NOT NULL DEFAULT false;
