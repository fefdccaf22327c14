-- Shares as the access service decides on them: the target as the vault described it when
-- it was shared, the resources a resource group held then, and an optional end.
ALTER TABLE shares
    ADD COLUMN resource_id uuid,
    ADD COLUMN target_name text NOT NULL DEFAULT '',
    ADD COLUMN grantee_name text NOT NULL DEFAULT '',
    ADD COLUMN expires_at timestamptz;

-- What a resource-group share covers: the group's resources at the time of sharing.
CREATE TABLE share_resources (
    share_id uuid NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    resource_id uuid NOT NULL,
    PRIMARY KEY (share_id, resource_id)
);

CREATE INDEX shares_grantee ON shares (grantee_id);
CREATE INDEX share_resources_resource ON share_resources (resource_id);

-- A dynamic resource group's share follows the group's criteria at the time of use instead
-- of keeping the resources it held.
ALTER TABLE shares ADD COLUMN follows_criteria boolean NOT NULL DEFAULT false;
