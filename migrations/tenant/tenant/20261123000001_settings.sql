-- Per-org settings owned by the tenant service (mail, proxy, branding, general).
CREATE TABLE org_settings (
    kind text PRIMARY KEY,
    value jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
