-- Resources and accounts in full: their descriptive fields, the trash, favourites, and why
-- each password version was set.
ALTER TABLE resources
    ADD COLUMN url text NOT NULL DEFAULT '',
    ADD COLUMN department text NOT NULL DEFAULT '',
    ADD COLUMN location text NOT NULL DEFAULT '',
    ADD COLUMN description text NOT NULL DEFAULT '',
    ADD COLUMN notes text NOT NULL DEFAULT '',
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    -- Set while the resource (with its accounts) is in the trash; purging deletes the row.
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN deleted_by uuid;
-- A name in the trash may be used again.
DROP INDEX resources_name_key;
CREATE UNIQUE INDEX resources_name_key ON resources (lower(name)) WHERE deleted_at IS NULL;
CREATE INDEX resources_owner_name ON resources (owner_id, lower(name));

ALTER TABLE accounts
    ADD COLUMN notes text NOT NULL DEFAULT '',
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN deleted_by uuid;
DROP INDEX accounts_resource_username_key;
CREATE UNIQUE INDEX accounts_resource_username_key ON accounts (resource_id, lower(username))
    WHERE deleted_at IS NULL;

-- created (the first version), changed (set by someone), reverted (an earlier version again).
ALTER TABLE secrets
    ADD COLUMN kind text NOT NULL DEFAULT 'created'
        CHECK (kind IN ('created', 'changed', 'reverted')),
    ADD COLUMN reason text NOT NULL DEFAULT '';

CREATE TABLE favourite_resources (
    user_id uuid NOT NULL,
    resource_id uuid NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, resource_id)
);
CREATE TABLE favourite_accounts (
    user_id uuid NOT NULL,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, account_id)
);

-- Custom password policies (the built-in low, medium and strong live in the code), by name.
CREATE TABLE password_policies (
    name text PRIMARY KEY,
    rules jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX password_policies_name_key ON password_policies (lower(name));
-- The policy a resource's passwords must satisfy ('' for none): a built-in or custom name.
ALTER TABLE resources ADD COLUMN password_policy text NOT NULL DEFAULT '';

-- The org's own resource types (the built-in ones live in the code): the fields each type's
-- resources carry, as JSON (`[{name, label, kind, required, default}]`).
CREATE TABLE resource_types (
    name text PRIMARY KEY,
    category text NOT NULL,
    fields jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX resource_types_name_key ON resource_types (lower(name));

-- Additional fields every resource, or every account, of the org carries.
CREATE TABLE additional_fields (
    applies_to text NOT NULL CHECK (applies_to IN ('resource', 'account')),
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('text', 'number', 'date', 'multiline', 'password')),
    required boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (applies_to, name)
);
CREATE UNIQUE INDEX additional_fields_name_key ON additional_fields (applies_to, lower(name));

-- The values of a resource's or an account's fields (its type's and the additional ones):
-- text in `value`, a password-kind value sealed with AES-256-GCM under the org's data key
-- (bound to org, owner and field name) in `ciphertext`.
CREATE TABLE resource_field_values (
    resource_id uuid NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    name text NOT NULL,
    value text NOT NULL DEFAULT '',
    key_version integer REFERENCES data_keys (version),
    ciphertext bytea,
    PRIMARY KEY (resource_id, name)
);
CREATE TABLE account_field_values (
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name text NOT NULL,
    value text NOT NULL DEFAULT '',
    key_version integer REFERENCES data_keys (version),
    ciphertext bytea,
    PRIMARY KEY (account_id, name)
);

-- Resource groups: static (hand-picked resources and accounts) or dynamic (criteria over the
-- resources' fields, evaluated whenever the group is read, so a resource that starts or stops
-- matching joins or leaves at once), nested under a parent. Each user's "Default Group" of
-- what they own is not stored: it is every resource they own.
CREATE TABLE resource_groups (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    parent_id uuid REFERENCES resource_groups (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('static', 'dynamic')),
    -- dynamic: {"match": "all"|"any", "conditions": [{"field", "operator", "value"}]}
    criteria jsonb,
    description text NOT NULL DEFAULT '',
    owner_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX resource_groups_name_key
    ON resource_groups (owner_id, coalesce(parent_id, '00000000-0000-0000-0000-000000000000'), lower(name));
CREATE TABLE resource_group_resources (
    group_id uuid NOT NULL REFERENCES resource_groups (id) ON DELETE CASCADE,
    resource_id uuid NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, resource_id)
);
CREATE TABLE resource_group_accounts (
    group_id uuid NOT NULL REFERENCES resource_groups (id) ON DELETE CASCADE,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, account_id)
);

-- Imports: a job per file, its progress readable while it runs, and a result per row.
CREATE TABLE import_jobs (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL,
    format text NOT NULL,
    status text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    total integer NOT NULL,
    done integer NOT NULL DEFAULT 0,
    created integer NOT NULL DEFAULT 0,
    updated integer NOT NULL DEFAULT 0,
    skipped integer NOT NULL DEFAULT 0,
    rejected integer NOT NULL DEFAULT 0,
    error text NOT NULL DEFAULT '',
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE TABLE import_results (
    job_id uuid NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    row_number integer NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('created', 'updated', 'skipped', 'rejected')),
    resource_name text NOT NULL,
    username text NOT NULL,
    reason text NOT NULL DEFAULT '',
    PRIMARY KEY (job_id, row_number)
);

-- Personal passwords: each user's private store, locked by a passphrase the server never
-- keeps (only a verifier); its random key wrapped by a key derived from the passphrase, and
-- every entry sealed with that key. Nobody else, administrators included, can open it.
CREATE TABLE personal_stores (
    user_id uuid PRIMARY KEY,
    salt bytea NOT NULL,
    kdf jsonb NOT NULL,
    verifier bytea NOT NULL,
    wrapped_key bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE personal_entries (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES personal_stores (user_id) ON DELETE CASCADE,
    sealed bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX personal_entries_user ON personal_entries (user_id);

-- Data-key rotations: a new data-key version seals what is written from then on, and the
-- secrets and sealed fields under older versions are sealed again in the background.
CREATE TABLE key_rotations (
    id uuid PRIMARY KEY,
    to_version integer NOT NULL REFERENCES data_keys (version),
    status text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    total integer NOT NULL,
    done integer NOT NULL DEFAULT 0,
    error text NOT NULL DEFAULT '',
    started_by uuid NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    -- The last batch sealed again: a running rotation with none for long was cut off.
    progressed_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
-- One rotation at a time.
CREATE UNIQUE INDEX key_rotations_running ON key_rotations ((true)) WHERE status = 'running';
