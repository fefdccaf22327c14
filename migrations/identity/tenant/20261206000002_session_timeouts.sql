-- How long a session lasts, set by the org: it ends after this many minutes without use,
-- and after this many hours in all however much it is used.
ALTER TABLE login_settings
    ADD COLUMN session_idle_minutes integer NOT NULL DEFAULT 30,
    ADD COLUMN session_max_hours integer NOT NULL DEFAULT 12;
