-- Which orgs have mail to send, and from when: the senders of every replica claim an org
-- here (FOR UPDATE SKIP LOCKED) instead of looking in every org's schema.
CREATE TABLE mail_due (
    org_id uuid PRIMARY KEY,
    due_at timestamptz NOT NULL
);
