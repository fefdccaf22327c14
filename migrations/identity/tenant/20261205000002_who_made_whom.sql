-- What four-eyes rules need to know about a user: who made them and who last set their
-- password (an administrator, not the user), when they last signed in, and since when
-- they have been an administrator. A transfer of ownership to a user the requester made
-- or reset lately, or to one who never signed in, waits for a second administrator; an
-- approver must have been an administrator before the request, and not be the requester's.
ALTER TABLE users
    ADD COLUMN created_by uuid,
    ADD COLUMN password_set_by uuid,
    ADD COLUMN password_set_at timestamptz,
    ADD COLUMN last_login_at timestamptz,
    ADD COLUMN administrator_since timestamptz;
UPDATE users SET administrator_since = created_at WHERE role = 'administrator';
