-- MSPOrg's settings as last saved for replication to client orgs: the newest version of each
-- kind the vault owns (password_policies, resource_types, additional_fields), taken from
-- MSPOrg when the save arrived.
CREATE TABLE replication_templates (
    kind text PRIMARY KEY,
    version bigint NOT NULL,
    enabled boolean NOT NULL,
    -- password_policies: [{name, rules}]; resource_types: [{name, category, fields}];
    -- additional_fields: [{applies_to, name, kind, required}]
    content jsonb NOT NULL DEFAULT '[]',
    -- Who saved it, for the client orgs' audit trails.
    actor jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
