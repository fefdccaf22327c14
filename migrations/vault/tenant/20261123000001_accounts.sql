-- The org's data keys, wrapped by the org's key-encryption key in the KMS.
CREATE TABLE data_keys (
    version integer PRIMARY KEY,
    wrapped bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE resources (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    resource_type text NOT NULL,
    host text NOT NULL DEFAULT '',
    owner_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX resources_name_key ON resources (lower(name));

CREATE TABLE accounts (
    id uuid PRIMARY KEY,
    resource_id uuid NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    username text NOT NULL,
    current_version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_resource_username_key ON accounts (resource_id, lower(username));

-- Every version of every password, sealed with AES-256-GCM; the associated data binds
-- org, account and version, so a row copied elsewhere does not decrypt.
CREATE TABLE secrets (
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    version integer NOT NULL,
    key_version integer NOT NULL REFERENCES data_keys (version),
    ciphertext bytea NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, version)
);
