-- Every change to what a reveal reads moves the org's generation (see the global migration).
CREATE TRIGGER resources_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resources
    FOR EACH STATEMENT EXECUTE FUNCTION public.bump_org_generation();
CREATE TRIGGER accounts_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION public.bump_org_generation();
CREATE TRIGGER secrets_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON secrets
    FOR EACH STATEMENT EXECUTE FUNCTION public.bump_org_generation();

-- An org with rows from before these triggers gets its first generation now.
INSERT INTO public.org_generations (org_id, generation)
VALUES (substr(current_schema(), 5)::uuid, 1)
ON CONFLICT (org_id) DO NOTHING;
