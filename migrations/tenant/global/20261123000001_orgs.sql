CREATE TABLE orgs (
    id uuid PRIMARY KEY,
    slug text NOT NULL,
    name text NOT NULL,
    is_msp boolean NOT NULL DEFAULT false,
    -- 'provisioning' until every service holds the org's schema (and the vault its key).
    status text NOT NULL DEFAULT 'provisioning' CHECK (status IN ('provisioning', 'active')),
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX orgs_slug_key ON orgs (lower(slug));
CREATE UNIQUE INDEX orgs_single_msp ON orgs (is_msp) WHERE is_msp;

CREATE TABLE account_managers (
    org_id uuid PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    home_org_id uuid NOT NULL REFERENCES orgs (id),
    assigned_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_managers_user ON account_managers (user_id);
