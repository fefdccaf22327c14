-- 'approved': a second administrator approved and the resources are moving. A rejection
-- can no longer land then, and approving again finishes a move that failed part way.
ALTER TABLE ownership_transfers DROP CONSTRAINT ownership_transfers_status_check;
ALTER TABLE ownership_transfers ADD CONSTRAINT ownership_transfers_status_check
    CHECK (status IN ('pending', 'approved', 'done', 'rejected'));
DROP INDEX ownership_transfers_one_pending;
CREATE UNIQUE INDEX ownership_transfers_one_pending
    ON ownership_transfers (from_user_id) WHERE status IN ('pending', 'approved');
