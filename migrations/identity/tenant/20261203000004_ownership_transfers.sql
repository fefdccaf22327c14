-- Handing a user's resources to another user. A transfer to the administrator who asks for
-- it waits here until a second administrator of the org approves or rejects it.
CREATE TABLE ownership_transfers (
    id uuid PRIMARY KEY,
    from_user_id uuid NOT NULL,
    from_username text NOT NULL,
    to_user_id uuid NOT NULL,
    to_username text NOT NULL,
    requested_by uuid NOT NULL,
    requested_by_name text NOT NULL,
    -- The user who owned the resources is deleted once they have moved.
    delete_user boolean NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'rejected')),
    resources integer NOT NULL DEFAULT 0,
    requested_at timestamptz NOT NULL DEFAULT now(),
    decided_by text,
    decided_at timestamptz
);

-- One open request per user whose resources would move.
CREATE UNIQUE INDEX ownership_transfers_one_pending
    ON ownership_transfers (from_user_id) WHERE status = 'pending';
