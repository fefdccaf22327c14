CREATE TABLE shares (
    id uuid PRIMARY KEY,
    target_kind text NOT NULL CHECK (target_kind IN ('account', 'resource', 'resource_group')),
    target_id uuid NOT NULL,
    grantee_kind text NOT NULL CHECK (grantee_kind IN ('user', 'user_group')),
    grantee_id uuid NOT NULL,
    level text NOT NULL CHECK (level IN ('view', 'modify', 'full')),
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (target_kind, target_id, grantee_kind, grantee_id)
);
