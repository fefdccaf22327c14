-- One row per password reset attempt on a target system.
CREATE TABLE rotation_journal (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    detail text NOT NULL DEFAULT '',
    requested_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
