-- When a running import last recorded rows: one with none for 10 minutes was cut off (the
-- replica running it stopped) and reads as failed.
ALTER TABLE import_jobs ADD COLUMN progressed_at timestamptz NOT NULL DEFAULT now();
