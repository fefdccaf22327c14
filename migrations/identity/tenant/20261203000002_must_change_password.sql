-- Set when an administrator sets a user's password: the user must choose their own at the
-- next login (POST /auth/change-password) before any session is opened.
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
