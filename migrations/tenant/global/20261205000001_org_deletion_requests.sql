-- Deleting a client org takes two MSPOrg administrators: its account manager (for an org
-- without one, an administrator) asks, another administrator approves, and only then is
-- anything dropped. The request stays as the record once the org is gone (no foreign key).
CREATE TABLE org_deletion_requests (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    org_slug text NOT NULL,
    org_name text NOT NULL,
    requested_by uuid NOT NULL,
    requested_by_name text NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    -- approved: being carried out (a deletion that failed part way is approved again).
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'deleted', 'rejected', 'cancelled')),
    decided_by uuid,
    decided_by_name text,
    decided_at timestamptz,
    note text NOT NULL DEFAULT ''
);
-- One open request per org.
CREATE UNIQUE INDEX org_deletion_requests_open ON org_deletion_requests (org_id)
    WHERE status IN ('pending', 'approved');
