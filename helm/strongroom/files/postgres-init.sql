-- One role per Strongroom service, owning only that service's database. The audit
-- database is owned by a separate migration role, strongroom_audit_owner; the runtime
-- role strongroom_audit owns nothing and gets only CONNECT here: its table privileges
-- (SELECT/INSERT on the trail, no UPDATE/DELETE) are for the audit migrations to grant.
--
-- Mounted into the postgres container at /docker-entrypoint-initdb.d/ by
-- docker-compose.yml; it runs only when the data volume is initialised for the first
-- time. Each service runs its own migrations.
--
-- The passwords come from the postgres container's environment (psql 15+ \getenv):
-- STRONGROOM_POSTGRES_<SERVICE>_PASSWORD and STRONGROOM_POSTGRES_AUDIT_OWNER_PASSWORD.
-- docker-compose.yml sets fixed evaluation passwords: NOT for production.
\set ON_ERROR_STOP on

\getenv identity_password STRONGROOM_POSTGRES_IDENTITY_PASSWORD
\getenv tenant_password STRONGROOM_POSTGRES_TENANT_PASSWORD
\getenv vault_password STRONGROOM_POSTGRES_VAULT_PASSWORD
\getenv access_password STRONGROOM_POSTGRES_ACCESS_PASSWORD
\getenv rotation_password STRONGROOM_POSTGRES_ROTATION_PASSWORD
\getenv audit_password STRONGROOM_POSTGRES_AUDIT_PASSWORD
\getenv audit_owner_password STRONGROOM_POSTGRES_AUDIT_OWNER_PASSWORD

SELECT :{?identity_password} AND :{?tenant_password} AND :{?vault_password}
   AND :{?access_password} AND :{?rotation_password} AND :{?audit_password}
   AND :{?audit_owner_password} AS passwords_set \gset
\if :passwords_set
\else
DO $$ BEGIN RAISE EXCEPTION 'postgres-init.sql: set STRONGROOM_POSTGRES_{IDENTITY,TENANT,VAULT,ACCESS,ROTATION,AUDIT,AUDIT_OWNER}_PASSWORD'; END $$;
\endif

CREATE ROLE strongroom_identity LOGIN PASSWORD :'identity_password';
CREATE ROLE strongroom_tenant LOGIN PASSWORD :'tenant_password';
CREATE ROLE strongroom_vault LOGIN PASSWORD :'vault_password';
CREATE ROLE strongroom_access LOGIN PASSWORD :'access_password';
CREATE ROLE strongroom_rotation LOGIN PASSWORD :'rotation_password';
CREATE ROLE strongroom_audit_owner LOGIN PASSWORD :'audit_owner_password';
CREATE ROLE strongroom_audit LOGIN PASSWORD :'audit_password';

CREATE DATABASE strongroom_identity OWNER strongroom_identity;
CREATE DATABASE strongroom_tenant OWNER strongroom_tenant;
CREATE DATABASE strongroom_vault OWNER strongroom_vault;
CREATE DATABASE strongroom_access OWNER strongroom_access;
CREATE DATABASE strongroom_rotation OWNER strongroom_rotation;
CREATE DATABASE strongroom_audit OWNER strongroom_audit_owner;

-- Only a database's owner (and, for audit, the runtime role) may connect to it.
REVOKE CONNECT, TEMPORARY ON DATABASE strongroom_identity FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE strongroom_tenant FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE strongroom_vault FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE strongroom_access FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE strongroom_rotation FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE strongroom_audit FROM PUBLIC;
GRANT CONNECT ON DATABASE strongroom_audit TO strongroom_audit;
