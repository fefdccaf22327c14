-- The directory URL's host may be internal to the deployment (loopback, private, a cluster
-- name) only when an MSPOrg administrator said so.
ALTER TABLE directory ADD COLUMN allow_internal_hosts boolean NOT NULL DEFAULT false;
