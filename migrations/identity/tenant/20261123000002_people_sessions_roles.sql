-- Users as an org manages them, their groups, custom roles, sessions, login settings and
-- the directory they may come from.
ALTER TABLE users
    ADD COLUMN full_name text NOT NULL DEFAULT '',
    ADD COLUMN department text NOT NULL DEFAULT '',
    ADD COLUMN location text NOT NULL DEFAULT '',
    ADD COLUMN password_changed_at timestamptz,
    ADD COLUMN directory_dn text,
    -- Bumped when a change must void the user's tokens (disabled, new role).
    ADD COLUMN token_version bigint NOT NULL DEFAULT 0,
    ADD CONSTRAINT users_source_check CHECK (source IN ('local', 'ldap', 'active_directory', 'csv'));
UPDATE users SET password_changed_at = created_at WHERE password_hash IS NOT NULL;

-- Earlier password hashes, for the "no reuse of the last N" rule.
CREATE TABLE password_history (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_history_user ON password_history (user_id, created_at DESC);

CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the current one-time refresh secret.
    refresh_hash bytea NOT NULL,
    amr text NOT NULL,
    ip text,
    user_agent text,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE user_groups (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    source text NOT NULL DEFAULT 'local',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX user_groups_name_key ON user_groups (lower(name));

CREATE TABLE group_members (
    group_id uuid NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

-- Roles built from the permission table; users.role holds a built-in key or one of these names.
CREATE TABLE custom_roles (
    name text PRIMARY KEY,
    description text NOT NULL DEFAULT '',
    permissions text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX custom_roles_name_key ON custom_roles (lower(name));

-- One row: the org's password policy and lockout rule.
CREATE TABLE login_settings (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    min_length integer NOT NULL DEFAULT 8,
    require_lowercase boolean NOT NULL DEFAULT false,
    require_uppercase boolean NOT NULL DEFAULT false,
    require_digit boolean NOT NULL DEFAULT false,
    require_special boolean NOT NULL DEFAULT false,
    history integer NOT NULL DEFAULT 0,
    max_age_days integer NOT NULL DEFAULT 0,
    lockout_threshold integer NOT NULL DEFAULT 5,
    lockout_minutes integer NOT NULL DEFAULT 15,
    default_role text NOT NULL DEFAULT 'password_user',
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO login_settings DEFAULT VALUES;

-- One row: the org's LDAP / Active Directory server. The bind password is sealed.
CREATE TABLE directory (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    kind text NOT NULL CHECK (kind IN ('ldap', 'active_directory')),
    url text NOT NULL,
    starttls boolean NOT NULL DEFAULT false,
    bind_dn text NOT NULL,
    bind_password_sealed bytea,
    base_dn text NOT NULL,
    user_filter text NOT NULL,
    attributes jsonb NOT NULL,
    group_filter text NOT NULL,
    group_name_attribute text NOT NULL,
    group_member_attribute text NOT NULL,
    ca_certificate_pem text,
    authentication_enabled boolean NOT NULL DEFAULT false,
    sync_interval_minutes integer NOT NULL DEFAULT 0,
    sync_scopes text[] NOT NULL DEFAULT '{}',
    next_sync_at timestamptz,
    last_sync_at timestamptz,
    last_sync_result text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE api_keys
    ADD COLUMN allowed_cidrs text[] NOT NULL DEFAULT '{}',
    ADD COLUMN last_used_at timestamptz;
