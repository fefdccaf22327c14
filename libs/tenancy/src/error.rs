//! What a tenant-scoped database access can fail with, and what the caller is told.

use strongroom_core::{ErrorCode, HasErrorCode, OrgId};

#[derive(Debug, thiserror::Error)]
pub enum TenancyError {
    #[error("org {0} is not provisioned in this service")]
    UnknownOrg(OrgId),
    #[error("org {0} was deleted")]
    DeletedOrg(OrgId),
    #[error("tenant migration {version} of schema {schema} failed")]
    Migration {
        schema: String,
        version: i64,
        #[source]
        source: sqlx::Error,
    },
    #[error(
        "schema {schema} has migration {version}, which this build does not know (downgrade refused)"
    )]
    UnknownMigration { schema: String, version: i64 },
    #[error("{}", refused_input(.0).unwrap_or("database error"))]
    Database(#[from] sqlx::Error),
    #[error("database error")]
    Pipelined(#[from] tokio_postgres::Error),
    #[error("the database is busy or unreachable: no connection was had in time")]
    Busy,
}

impl HasErrorCode for TenancyError {
    fn code(&self) -> ErrorCode {
        match self {
            TenancyError::UnknownOrg(_) | TenancyError::DeletedOrg(_) => ErrorCode::NotFound,
            TenancyError::Database(sqlx::Error::PoolTimedOut) | TenancyError::Busy => {
                ErrorCode::Unavailable
            }
            TenancyError::Database(e) if refused_input(e).is_some() => ErrorCode::InvalidArgument,
            _ => ErrorCode::Internal,
        }
    }
}

/// What the caller is told when the database refused the text it was given: U+0000 (which
/// Postgres cannot store), or a text longer than a column or an index entry holds. Every
/// service's edge checks its fields first; this holds on a path one of them missed, so the
/// answer is still "bad input" and never "internal error".
pub fn refused_input(e: &sqlx::Error) -> Option<&'static str> {
    let code = e.as_database_error()?.code()?;
    match code.as_ref() {
        // character_not_in_repertoire (NUL), untranslatable_character
        "22021" | "22P05" => Some("a text holds a character that cannot be stored (U+0000)"),
        // string_data_right_truncation, program_limit_exceeded (an index entry too large)
        "22001" | "54000" => Some("a text is longer than can be stored"),
        _ => None,
    }
}
