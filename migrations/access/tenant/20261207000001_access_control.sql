-- The access-control workflow: policies on accounts, resources and resource groups; requests
-- with their approvals and checkouts; and the passwords marked for reset when a checkout ends.

CREATE TABLE access_policies (
    target_kind text NOT NULL CHECK (target_kind IN ('account', 'resource', 'resource_group')),
    target_id uuid NOT NULL,
    target_name text NOT NULL,
    -- The resources it covers: the resource itself, the account's resource, or a resource
    -- group's resources when the policy was set.
    resources uuid[] NOT NULL,
    approver_groups uuid[] NOT NULL DEFAULT '{}',
    approver_group_names text[] NOT NULL DEFAULT '{}',
    client_admin_approves_msp_staff boolean NOT NULL DEFAULT false,
    lapse_after_minutes integer NOT NULL CHECK (lapse_after_minutes > 0),
    max_checkout_minutes integer NOT NULL CHECK (max_checkout_minutes > 0),
    updated_by uuid NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target_kind, target_id)
);
CREATE INDEX access_policies_resources ON access_policies USING gin (resources);

CREATE TABLE access_requests (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL,
    resource_id uuid NOT NULL,
    account_name text NOT NULL,
    requester_id uuid NOT NULL,
    requester_name text NOT NULL,
    requester_is_msp_staff boolean NOT NULL,
    reason text NOT NULL,
    ticket_id text NOT NULL DEFAULT '',
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
    lapses_at timestamptz NOT NULL,
    -- Who must approve, as the policy said when the request was made.
    approver_groups uuid[] NOT NULL,
    approver_group_names text[] NOT NULL,
    client_admin_required boolean NOT NULL,
    -- `pending`, `approved` or `rejected`; lapses, checkouts and their ends follow from the
    -- times below.
    state text NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
    created_at timestamptz NOT NULL DEFAULT now(),
    decided_at timestamptz,
    checked_out_at timestamptz,
    checked_in_at timestamptz
);
CREATE INDEX access_requests_requester ON access_requests (requester_id, created_at DESC);
CREATE INDEX access_requests_account ON access_requests (account_id, state);
CREATE INDEX access_requests_pending ON access_requests (lapses_at) WHERE state = 'pending';

CREATE TABLE request_decisions (
    request_id uuid NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
    approver_id uuid NOT NULL,
    approver_name text NOT NULL,
    approved boolean NOT NULL,
    -- The requirement an approval met (`group:<id>`, `client_admin`, `administrator`).
    counted_for text NOT NULL,
    comment text NOT NULL DEFAULT '',
    decided_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, approver_id)
);

-- A password to reset once `due_at` has passed: a checkout's end (its window's end, or the
-- check-in). The reset service marks it done; until then it stays pending.
CREATE TABLE reset_marks (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL,
    account_name text NOT NULL,
    request_id uuid REFERENCES access_requests (id) ON DELETE SET NULL,
    reason text NOT NULL CHECK (reason IN ('window_ended', 'check_in')),
    due_at timestamptz NOT NULL,
    done_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reset_marks_pending ON reset_marks (due_at) WHERE done_at IS NULL;
CREATE UNIQUE INDEX reset_marks_request ON reset_marks (request_id);
