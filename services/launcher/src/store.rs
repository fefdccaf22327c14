//! All of the launcher's SQL: the checks and statements that make each service's database
//! and role on the Postgres server.

use sqlx::PgConnection;

/// Whether the launcher's own role is a superuser.
pub async fn is_superuser(conn: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        .fetch_one(conn)
        .await
}

/// Logs no statement of this session, nor one that fails: a server that logs statements
/// keeps no role's password in its log.
pub async fn stop_statement_logging(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::raw_sql(
        "SET log_statement = 'none'; SET log_min_error_statement = 'panic';
         SET log_min_duration_statement = -1",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Makes `role` (if missing) a login role without privileges, whose password has the SCRAM
/// `verifier`. `role` and `verifier` are checked by the caller: letters, digits, underscores
/// and the verifier's own alphabet.
pub async fn ensure_role(conn: &mut PgConnection, role: &str, verifier: &str) -> sqlx::Result<()> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DO $$ BEGIN CREATE ROLE \"{role}\" LOGIN;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
         ALTER ROLE \"{role}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{verifier}'"
    )))
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether the database `name` exists.
pub async fn database_exists(conn: &mut PgConnection, name: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(conn)
        .await
}

/// Creates the database `name`, owned by `owner` when given; one another launcher created
/// meanwhile counts as created.
pub async fn create_database(
    conn: &mut PgConnection,
    name: &str,
    owner: Option<&str>,
) -> sqlx::Result<()> {
    let owned = owner.map_or_else(String::new, |owner| format!(" OWNER \"{owner}\""));
    let created = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE \"{name}\"{owned}"
    )))
    .execute(conn)
    .await;
    match created {
        Ok(_) => Ok(()),
        Err(e) => {
            let duplicate = e
                .as_database_error()
                .and_then(|d| d.code())
                .is_some_and(|c| c == "42P04" || c == "23505");
            if duplicate { Ok(()) } else { Err(e) }
        }
    }
}

/// Makes `owner` the owner of database `name` and lets only `owner` and `runtime` connect.
pub async fn hand_over_database(
    conn: &mut PgConnection,
    name: &str,
    owner: &str,
    runtime: &str,
) -> sqlx::Result<()> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE \"{name}\" OWNER TO \"{owner}\";
         REVOKE CONNECT, TEMPORARY ON DATABASE \"{name}\" FROM PUBLIC;
         GRANT CONNECT ON DATABASE \"{name}\" TO \"{runtime}\""
    )))
    .execute(conn)
    .await?;
    Ok(())
}

/// Makes `owner` the owner of every schema, table, sequence and function in the database
/// `db` is connected to that the superuser owns: objects a superuser made there before the
/// database had an owner role.
pub async fn hand_over_objects(db: &mut PgConnection, owner: &str) -> sqlx::Result<()> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DO $$
         DECLARE r record;
         BEGIN
           FOR r IN SELECT nspname FROM pg_namespace
                    WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                      AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
             EXECUTE format('ALTER SCHEMA %I OWNER TO \"{owner}\"', r.nspname);
           END LOOP;
           FOR r IN SELECT n.nspname, c.relname FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                      AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                      AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' LOOP
             EXECUTE format('ALTER TABLE %I.%I OWNER TO \"{owner}\"', r.nspname, r.relname);
           END LOOP;
           FOR r IN SELECT n.nspname, c.relname FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                      AND c.relkind = 'S'
                      AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' LOOP
             EXECUTE format('ALTER SEQUENCE %I.%I OWNER TO \"{owner}\"', r.nspname, r.relname);
           END LOOP;
           FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p
                    JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                      AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' LOOP
             EXECUTE format('ALTER FUNCTION %s OWNER TO \"{owner}\"', r.f);
           END LOOP;
         END $$"
    )))
    .execute(db)
    .await?;
    Ok(())
}
