-- An org being deleted is 'deleting' until every service has dropped its data; its row
-- goes last.
ALTER TABLE orgs DROP CONSTRAINT orgs_status_check;
ALTER TABLE orgs ADD CONSTRAINT orgs_status_check
    CHECK (status IN ('provisioning', 'active', 'deleting'));

-- Access of an MSPOrg user or user group to a client org, proposed by one MSPOrg
-- administrator and decided by another named one (never the proposer or the designee).
CREATE TABLE org_access_grants (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    designee_kind text NOT NULL CHECK (designee_kind IN ('user', 'group')),
    designee_id uuid NOT NULL,
    designee_name text NOT NULL,
    proposer_id uuid NOT NULL,
    proposer_name text NOT NULL,
    approver_id uuid NOT NULL,
    approver_name text NOT NULL,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'revoked')),
    proposed_at timestamptz NOT NULL DEFAULT now(),
    decided_by_name text,
    decided_at timestamptz,
    note text NOT NULL DEFAULT ''
);
-- One live (pending or approved) grant per org and designee.
CREATE UNIQUE INDEX org_access_grants_live ON org_access_grants (org_id, designee_kind, designee_id)
    WHERE status IN ('pending', 'approved');
CREATE INDEX org_access_grants_designee ON org_access_grants (designee_id);
