-- Which password actions the org's resource groups have mailed, as the vault's
-- `resource_group.notifications_set` and `resource_group.deleted` events say (append-only,
-- like everything the audit service's own role writes): a group's latest row counts, and
-- an action no group names queues no mail.
CREATE TABLE password_notification_changes (
    event_id uuid PRIMARY KEY,
    group_id uuid NOT NULL,
    -- Empty: the group mails nothing (or is gone).
    actions text[] NOT NULL,
    occurred_at timestamptz NOT NULL
);

CREATE INDEX password_notification_changes_group
    ON password_notification_changes (group_id, occurred_at DESC, event_id DESC);
