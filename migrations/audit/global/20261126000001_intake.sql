-- Records a service hands over before it answers (password reveals), from any org, waiting
-- to be appended to their org's trail. A batch of them is one insert however many orgs it
-- spans, durable before any answer leaves; the mover appends them to the orgs' trails
-- (several per org at once) and deletes them here after. Reading an org's trail includes its
-- records waiting here.
CREATE TABLE audit_intake (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
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
    details jsonb NOT NULL DEFAULT 'null'
);
