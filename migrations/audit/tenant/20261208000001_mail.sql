-- The org's outgoing mail: notices derived from its events (one per event and notice, so a
-- redelivered event queues nothing twice), and every attempt to send each. Both are only
-- added to, never changed: what was sent, when, to whom and why it failed stays as it was.
CREATE TABLE mail_outbox (
    id uuid PRIMARY KEY,
    event_id uuid NOT NULL,
    notice text NOT NULL,
    -- {"user_ids": [...], "group_ids": [...], "administrators": bool}
    recipients jsonb NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, notice)
);
CREATE INDEX mail_outbox_created_at ON mail_outbox (created_at DESC, id);

CREATE TABLE mail_attempts (
    mail_id uuid NOT NULL REFERENCES mail_outbox (id),
    attempt int NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    delivered boolean NOT NULL,
    sent_to text[] NOT NULL DEFAULT '{}',
    error text NOT NULL DEFAULT '',
    PRIMARY KEY (mail_id, attempt)
);
