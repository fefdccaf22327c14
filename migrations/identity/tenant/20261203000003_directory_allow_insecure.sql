-- A plain ldap:// directory without StartTLS sends the service account's and users'
-- passwords in clear text: it is used only when an administrator saved this explicitly.
-- Configurations saved before have it off, so they stop until saved again with it (or
-- moved to ldaps:// or StartTLS).
ALTER TABLE directory ADD COLUMN allow_insecure boolean NOT NULL DEFAULT false;
