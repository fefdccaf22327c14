-- An attempt the mail server refused for good (a 5xx answer): the mail is not tried again
-- until the org's mail settings are saved after it.
ALTER TABLE mail_attempts ADD COLUMN refused boolean NOT NULL DEFAULT false;

-- A mail that carries a one-time password: identity makes the password when the mail is
-- sent (this id names it there) and says the one address it may go to. The password is
-- never stored here; the body holds a placeholder.
ALTER TABLE mail_outbox ADD COLUMN mailed_password_id uuid;
