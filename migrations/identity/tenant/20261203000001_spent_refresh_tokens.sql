-- The hashes of a session's refresh tokens already exchanged (the latest 100). Presenting one
-- of them again means the token was copied: the session ends. Any other wrong secret is
-- only refused, so knowing a session's id (it shows in lists and the trail) does not let
-- anyone end it.
ALTER TABLE sessions ADD COLUMN spent_refresh_hashes bytea[] NOT NULL DEFAULT '{}';
