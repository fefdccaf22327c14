-- The members a granted user group had when the grant was proposed. Approving lets in
-- only those still in it; anyone added between proposal and approval waits for a third
-- administrator like a member added later. NULL for grants proposed before this column.
ALTER TABLE org_access_grants ADD COLUMN proposed_members uuid[];
