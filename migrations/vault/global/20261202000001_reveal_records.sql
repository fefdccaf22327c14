-- The audit records of password reveals (and refused reveals), from any org. A batch of
-- reveals commits its records here, in one statement with the read of its orgs'
-- generations, before any password leaves; a forwarder hands them to the audit service in
-- the background and deletes them once it holds them. They name who revealed what, never
-- the password.
CREATE TABLE reveal_records (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    operation text NOT NULL,
    actor_user_id uuid,
    actor_username text NOT NULL,
    ip text,
    user_agent text,
    account_id uuid NOT NULL,
    target_name text NOT NULL,
    occurred_at timestamptz NOT NULL,
    details jsonb NOT NULL DEFAULT 'null'
);
