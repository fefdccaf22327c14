-- Every change to what a reveal reads moves the org's generation (see the global migration).
CREATE TRIGGER resources_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resources
    FOR EACH STATEMENT EXECUTE FUNCTION public.bump_org_generation();
CREATE TRIGGER accounts_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION public.bump_org_generation();
CREATE TRIGGER secrets_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON secrets
    FOR EACH STATEMENT EXECUTE FUNCTION public.bump_org_generation();
