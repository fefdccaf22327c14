-- Password-action notifications of a resource group: which actions on the passwords the
-- group holds are mailed (access, modification, share_change), and to whom.
CREATE TABLE group_notifications (
    group_id uuid PRIMARY KEY REFERENCES resource_groups (id) ON DELETE CASCADE,
    actions text[] NOT NULL,
    to_owners boolean NOT NULL,
    to_sharees boolean NOT NULL,
    user_ids uuid[] NOT NULL DEFAULT '{}',
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
