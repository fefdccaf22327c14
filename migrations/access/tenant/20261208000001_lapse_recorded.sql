-- When a request's lapse was recorded (its `request.lapsed` event, which tells the
-- requester): a lapse follows from the clock, so the sweeper records each one once.
ALTER TABLE access_requests ADD COLUMN lapse_recorded_at timestamptz;
CREATE INDEX access_requests_lapsing ON access_requests (lapses_at)
    WHERE state = 'pending' AND lapse_recorded_at IS NULL;
