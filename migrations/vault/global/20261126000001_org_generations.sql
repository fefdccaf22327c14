-- How many times each org's resources, accounts or secrets have changed. The reveal path
-- keeps the rows it has read in memory and uses them only while their org's count is still
-- the one read before them, so a change committed anywhere (any replica) is seen at once.
CREATE TABLE org_generations (
    org_id uuid PRIMARY KEY,
    generation bigint NOT NULL
);

-- Fired once per statement on an org's tables; the org id is the schema name's hex digits
-- (`org_<uuid-simple>`). The row lock it takes orders an org's writes, which are rare next
-- to its reads.
CREATE FUNCTION bump_org_generation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.org_generations AS g (org_id, generation)
    VALUES (substr(TG_TABLE_SCHEMA, 5)::uuid, 1)
    ON CONFLICT (org_id) DO UPDATE SET generation = g.generation + 1;
    RETURN NULL;
END
$$;
