-- The account a service of the org signs in with, as an administrator who may reveal it
-- chose it (`mail`: the org's mail server). The tenant service may open only this account
-- for the purpose, and each opening is audited; one account per purpose.
CREATE TABLE service_credentials (
    purpose text PRIMARY KEY CHECK (purpose IN ('mail')),
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    chosen_by uuid NOT NULL,
    chosen_at timestamptz NOT NULL DEFAULT now()
);
