-- A change of an org's account manager is proposed and decided like an access grant (a
-- third administrator approves); once approved it is applied and stays as the record.
ALTER TABLE org_access_grants DROP CONSTRAINT org_access_grants_designee_kind_check;
ALTER TABLE org_access_grants ADD CONSTRAINT org_access_grants_designee_kind_check
    CHECK (designee_kind IN ('user', 'group', 'account_manager'));
DROP INDEX org_access_grants_live;
CREATE UNIQUE INDEX org_access_grants_live ON org_access_grants (org_id, designee_kind, designee_id)
    WHERE status = 'pending' OR (status = 'approved' AND designee_kind <> 'account_manager');
-- One pending account manager change per org.
CREATE UNIQUE INDEX org_access_grants_one_manager_change ON org_access_grants (org_id)
    WHERE status = 'pending' AND designee_kind = 'account_manager';

-- The members of a granted group who may use the grant: those in the group when it was
-- approved, and each member added since once a third administrator approved them. Grants
-- approved before this table existed (members_known false) let every member in.
ALTER TABLE org_access_grants ADD COLUMN members_known boolean NOT NULL DEFAULT false;
CREATE TABLE org_access_members (
    grant_id uuid NOT NULL REFERENCES org_access_grants (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    username text NOT NULL,
    approved_by_name text NOT NULL,
    approved_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (grant_id, user_id)
);

-- The account manager's username, for the client org's view of who from the MSP reaches
-- it (its own users cannot read MSPOrg's users). Empty for managers named before.
ALTER TABLE account_managers ADD COLUMN username text NOT NULL DEFAULT '';
