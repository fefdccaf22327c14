-- An administrator's reset of the login password of a user who owns passwords waits here
-- for a second administrator: otherwise one person could reset it, sign in as the user
-- (choosing a new password as asked) and reveal what the user owns. The hash of the
-- one-time password waits with it and is dropped once decided.
CREATE TABLE password_resets (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    username text NOT NULL,
    requested_by uuid NOT NULL,
    requested_by_name text NOT NULL,
    password_hash text,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'rejected')),
    requested_at timestamptz NOT NULL DEFAULT now(),
    decided_by text,
    decided_at timestamptz
);
CREATE UNIQUE INDEX password_resets_one_pending ON password_resets (user_id)
    WHERE status = 'pending';
