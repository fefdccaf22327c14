-- Creates one database per Strongroom service. Mounted into the postgres container
-- at /docker-entrypoint-initdb.d/ by docker-compose.yml; it runs only when the data
-- volume is initialised for the first time. Each service runs its own migrations.
CREATE DATABASE strongroom_identity;
CREATE DATABASE strongroom_tenant;
CREATE DATABASE strongroom_vault;
CREATE DATABASE strongroom_access;
CREATE DATABASE strongroom_rotation;
CREATE DATABASE strongroom_audit;
