-- Which of MSPOrg's settings are replicated to every client org, one row per kind once saved.
-- `version` rises with every save that replicates the kind; the services that own the kind
-- apply each version once per org.
CREATE TABLE settings_replication (
    kind text PRIMARY KEY,
    enabled boolean NOT NULL DEFAULT false,
    options jsonb NOT NULL DEFAULT '{}',
    version bigint NOT NULL DEFAULT 0,
    updated_by uuid,
    updated_at timestamptz NOT NULL DEFAULT now()
);
