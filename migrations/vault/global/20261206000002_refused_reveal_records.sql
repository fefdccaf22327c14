-- Reveal records the audit service refused (their org unknown to it, their time too far
-- ahead of its clock): never deleted, kept here with when and why until an operator
-- forwards them again (`strongroom reveal-records retry`).
CREATE TABLE refused_reveal_records (
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
    details jsonb NOT NULL DEFAULT 'null',
    refused_at timestamptz NOT NULL DEFAULT now()
);
