-- "Use without seeing": a share may let its grantee use a password (an application with an
-- API key fetches it) without any person seeing it; an org may make every share so.
ALTER TABLE shares ADD COLUMN use_only boolean NOT NULL DEFAULT false;

CREATE TABLE sharing_settings (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    -- Off: every share of the org is for use without seeing (owners still see theirs).
    shares_show_plaintext boolean NOT NULL DEFAULT true,
    updated_by uuid,
    updated_at timestamptz NOT NULL DEFAULT now()
);
