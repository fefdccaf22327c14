-- Who may export passwords besides, or despite, their role's `passwords.export`: a rule for
-- a user decides for them; otherwise the rules of their user groups (a denial among them
-- wins); otherwise their role.
CREATE TABLE export_rules (
    principal_kind text NOT NULL CHECK (principal_kind IN ('user', 'group')),
    principal_id uuid NOT NULL,
    allowed boolean NOT NULL,
    updated_by uuid NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal_kind, principal_id)
);
