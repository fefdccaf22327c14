-- The newest version of each replicated kind this org has received from MSPOrg.
CREATE TABLE applied_templates (
    kind text PRIMARY KEY,
    version bigint NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
-- Whose definition it is: the org's own ('local'), or MSPOrg's, added by replication and kept
-- in step with MSPOrg until the org saves it ('msp'). Replication never touches a local one.
ALTER TABLE password_policies ADD COLUMN source text NOT NULL DEFAULT 'local';
ALTER TABLE resource_types ADD COLUMN source text NOT NULL DEFAULT 'local';
ALTER TABLE additional_fields ADD COLUMN source text NOT NULL DEFAULT 'local';
