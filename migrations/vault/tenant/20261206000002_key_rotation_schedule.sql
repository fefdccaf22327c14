-- The org's data-key rotation schedule (one row at most): a rotation starts every
-- `every_days` days (0: only by hand). `next_rotation_at` moves forward when a replica claims
-- a due rotation, so only one starts it, and when a rotation starts by hand.
CREATE TABLE key_rotation_schedule (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    every_days integer NOT NULL CHECK (every_days BETWEEN 0 AND 3650),
    next_rotation_at timestamptz,
    updated_by uuid NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
