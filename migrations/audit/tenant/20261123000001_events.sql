-- The org's audit trail; the event id makes storing a redelivered event a no-op.
CREATE TABLE audit_events (
    id uuid PRIMARY KEY,
    service text NOT NULL,
    operation text NOT NULL,
    actor_user_id uuid,
    actor_username text NOT NULL,
    ip text,
    user_agent text,
    target_kind text NOT NULL,
    target_id text,
    target_name text,
    occurred_at timestamptz NOT NULL,
    details jsonb NOT NULL DEFAULT 'null',
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at DESC, id DESC);
