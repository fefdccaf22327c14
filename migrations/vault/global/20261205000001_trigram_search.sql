-- Trigram indexes make a search for a word anywhere in a resource's text (`ILIKE '%word%'`)
-- an index lookup rather than a scan. pg_trgm is a trusted extension: the database's
-- owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
