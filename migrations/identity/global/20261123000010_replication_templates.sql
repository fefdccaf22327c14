-- MSPOrg's settings as last saved for replication to client orgs: the newest version of each
-- kind identity owns (user_groups, user_roles), taken from MSPOrg when the save arrived.
CREATE TABLE replication_templates (
    kind text PRIMARY KEY,
    version bigint NOT NULL,
    enabled boolean NOT NULL,
    options jsonb NOT NULL DEFAULT '{}',
    -- user_groups: [{name, description}]; user_roles: [{name, description, permissions}]
    content jsonb NOT NULL DEFAULT '[]',
    -- Who saved it, for the client orgs' audit trails.
    actor jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
