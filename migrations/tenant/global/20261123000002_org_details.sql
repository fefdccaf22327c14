-- What an MSP records about each client org.
ALTER TABLE orgs
    ADD COLUMN description text NOT NULL DEFAULT '',
    ADD COLUMN department text NOT NULL DEFAULT '',
    ADD COLUMN location text NOT NULL DEFAULT '',
    ADD COLUMN contact text NOT NULL DEFAULT '';
