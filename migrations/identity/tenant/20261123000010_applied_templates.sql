-- The newest version of each replicated kind this org has received from MSPOrg.
CREATE TABLE applied_templates (
    kind text PRIMARY KEY,
    version bigint NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
-- Roles that MSPOrg's replication created or took over ('msp'), so saving again updates them
-- instead of adding another.
ALTER TABLE custom_roles ADD COLUMN source text NOT NULL DEFAULT 'local';
