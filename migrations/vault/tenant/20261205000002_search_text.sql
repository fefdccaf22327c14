-- What a search reads of a resource, lower-cased in one column with a trigram index: its
-- own fields, its live accounts' usernames and notes, and its and their text field values
-- (never passwords or sealed fields). Kept by triggers, so no writer can forget it.
ALTER TABLE resources ADD COLUMN search_text text NOT NULL DEFAULT '';

CREATE FUNCTION resource_search_text(r resources) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT lower(concat_ws(' ', r.name, r.resource_type, r.host, r.url, r.description,
        r.department, r.location, r.notes,
        (SELECT string_agg(concat_ws(' ', a.username, a.notes), ' ')
         FROM accounts a WHERE a.resource_id = r.id AND a.deleted_at IS NULL),
        (SELECT string_agg(v.value, ' ')
         FROM resource_field_values v WHERE v.resource_id = r.id AND v.ciphertext IS NULL),
        (SELECT string_agg(v.value, ' ')
         FROM account_field_values v JOIN accounts a ON a.id = v.account_id
         WHERE a.resource_id = r.id AND a.deleted_at IS NULL AND v.ciphertext IS NULL)))
$$;

CREATE FUNCTION resources_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := resource_search_text(NEW);
    RETURN NEW;
END
$$;
CREATE TRIGGER resources_search_text BEFORE INSERT OR UPDATE ON resources
    FOR EACH ROW EXECUTE FUNCTION resources_search_text();

-- An account's or a field value's change reads its resource's text again.
CREATE FUNCTION touch_resource_search() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[];
BEGIN
    IF TG_TABLE_NAME = 'account_field_values' THEN
        SELECT array_agg(a.resource_id) INTO ids FROM accounts a
        WHERE a.id IN ((CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.account_id END),
                       (CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.account_id END));
    ELSE
        ids := ARRAY[(CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.resource_id END),
                     (CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.resource_id END)];
    END IF;
    UPDATE resources SET search_text = '' WHERE id = ANY(ids);
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_search_text AFTER INSERT OR UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION touch_resource_search();
CREATE TRIGGER resource_field_values_search_text AFTER INSERT OR UPDATE OR DELETE
    ON resource_field_values FOR EACH ROW EXECUTE FUNCTION touch_resource_search();
CREATE TRIGGER account_field_values_search_text AFTER INSERT OR UPDATE OR DELETE
    ON account_field_values FOR EACH ROW EXECUTE FUNCTION touch_resource_search();

-- The functions read this org's tables whatever the caller's search_path.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION resource_search_text(resources) SET search_path = %I',
        current_schema());
    EXECUTE format('ALTER FUNCTION resources_search_text() SET search_path = %I', current_schema());
    EXECUTE format('ALTER FUNCTION touch_resource_search() SET search_path = %I', current_schema());
END
$$;

UPDATE resources SET search_text = '';
CREATE INDEX resources_search_text ON resources USING gin (search_text public.gin_trgm_ops);
CREATE INDEX resources_host_sort ON resources (lower(host), id);
