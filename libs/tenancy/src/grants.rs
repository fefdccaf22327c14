//! The rights of a service's own role when an owner role apart from it makes the schemas
//! and tables: read and add everywhere, claim and delete in the outbox.

use sqlx::PgPool;

use crate::TenancyError;

/// With an owner role apart from the service's own: the service's role may read and add
/// rows of every table the owner makes, now and later, and change or remove none (a service
/// grants more on a table of its own where it must). Run before anything else.
pub(crate) async fn grant_read_and_add(
    runtime: &PgPool,
    owner: &PgPool,
) -> Result<Option<String>, TenancyError> {
    let role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(runtime)
        .await?;
    let owner_role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(owner)
        .await?;
    if role == owner_role {
        return Ok(None);
    }
    let runtime_role = quote_ident(&role);
    let role = runtime_role.clone();
    let mut sql = format!(
        "ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO {role};
         ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT ON TABLES TO {role};
         GRANT USAGE ON SCHEMA public TO {role};
         GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {role};"
    );
    // Schemas made before (a database that predates the separate roles).
    let registry: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('public.tenant_schemas')::text")
            .fetch_one(owner)
            .await?;
    if registry.is_some() {
        let schemas: Vec<String> =
            sqlx::query_scalar("SELECT schema_name FROM public.tenant_schemas")
                .fetch_all(owner)
                .await?;
        for schema in schemas {
            let schema = quote_ident(&schema);
            sql.push_str(&format!(
                "GRANT USAGE ON SCHEMA {schema} TO {role};
                 GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA {schema} TO {role};"
            ));
            sql.push_str(&outbox_rights(&schema, &role));
        }
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(owner)
        .await?;
    Ok(Some(runtime_role))
}

/// The relay claims (`FOR UPDATE`) and deletes the outbox rows it published: the outbox
/// is a queue, not a record.
pub(crate) fn outbox_rights(schema: &str, role: &str) -> String {
    format!("GRANT UPDATE, DELETE ON {schema}.outbox TO {role};")
}

/// A quoted SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
