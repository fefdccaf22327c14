-- A time-limited share marks what it covered for reset when it ends: a mark names its
-- target (an account, a resource's accounts, a resource group's), not only an account.
ALTER TABLE reset_marks RENAME COLUMN account_id TO target_id;
ALTER TABLE reset_marks RENAME COLUMN account_name TO target_name;
ALTER TABLE reset_marks
    ADD COLUMN target_kind text NOT NULL DEFAULT 'account'
        CHECK (target_kind IN ('account', 'resource', 'resource_group')),
    ADD COLUMN share_id uuid,
    DROP CONSTRAINT reset_marks_reason_check,
    ADD CONSTRAINT reset_marks_reason_check
        CHECK (reason IN ('window_ended', 'check_in', 'share_ended'));
CREATE UNIQUE INDEX reset_marks_share ON reset_marks (share_id);
