-- Accounts and resources under access control (the access service keeps the policy): their
-- passwords are revealed or changed only during the caller's own checkout.
ALTER TABLE resources ADD COLUMN access_controlled boolean NOT NULL DEFAULT false;
ALTER TABLE accounts ADD COLUMN access_controlled boolean NOT NULL DEFAULT false;
