//! Resource types of the org's own, additional fields, and the values of a resource's or an
//! account's fields (a password-kind value sealed).

use strongroom_tenancy::TenantTx;
use uuid::Uuid;

/// Whose fields: a resource's or an account's (each has its own table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldOwner {
    Resource,
    Account,
}

impl FieldOwner {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resource => "resource",
            Self::Account => "account",
        }
    }

    pub fn parse(kind: &str) -> Option<Self> {
        match kind {
            "resource" => Some(Self::Resource),
            "account" => Some(Self::Account),
            _ => None,
        }
    }

    /// The table of its values and the column naming the owner (constants only).
    pub(super) fn table(self) -> (&'static str, &'static str) {
        match self {
            Self::Resource => ("resource_field_values", "resource_id"),
            Self::Account => ("account_field_values", "account_id"),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResourceTypeRow {
    pub name: String,
    pub category: String,
    pub fields: serde_json::Value,
    /// `local` or `msp` (see [`super::Source`]).
    pub source: String,
}

pub async fn list_resource_types(tx: &mut TenantTx) -> Result<Vec<ResourceTypeRow>, sqlx::Error> {
    sqlx::query_as("SELECT name, category, fields, source FROM resource_types ORDER BY lower(name)")
        .fetch_all(&mut **tx)
        .await
}

pub async fn find_resource_type(
    tx: &mut TenantTx,
    name: &str,
) -> Result<Option<ResourceTypeRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, category, fields, source FROM resource_types WHERE lower(name) = lower($1)",
    )
    .bind(name.trim())
    .fetch_optional(&mut **tx)
    .await
}

/// Adds the type, or replaces the category, fields and source of the one of that name.
pub async fn save_resource_type(
    tx: &mut TenantTx,
    t: &ResourceTypeRow,
) -> Result<ResourceTypeRow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO resource_types (name, category, fields, source) VALUES ($1, $2, $3, $4)
         ON CONFLICT (lower(name)) DO UPDATE
             SET category = EXCLUDED.category, fields = EXCLUDED.fields,
                 source = EXCLUDED.source, updated_at = now()
         RETURNING name, category, fields, source",
    )
    .bind(&t.name)
    .bind(&t.category)
    .bind(&t.fields)
    .bind(&t.source)
    .fetch_one(&mut **tx)
    .await
}

pub async fn delete_resource_type(tx: &mut TenantTx, name: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM resource_types WHERE lower(name) = lower($1)")
        .bind(name.trim())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Resources (in the trash too) of the type.
pub async fn count_resources_of_type(tx: &mut TenantTx, name: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM resources WHERE lower(resource_type) = lower($1)")
        .bind(name.trim())
        .fetch_one(&mut **tx)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdditionalFieldRow {
    pub applies_to: String,
    pub name: String,
    pub kind: String,
    pub required: bool,
    /// `local` or `msp` (see [`super::Source`]).
    pub source: String,
}

/// The org's additional fields, of resources then accounts, by name.
pub async fn list_additional_fields(
    tx: &mut TenantTx,
) -> Result<Vec<AdditionalFieldRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT applies_to, name, kind, required, source FROM additional_fields
         ORDER BY applies_to DESC, lower(name)",
    )
    .fetch_all(&mut **tx)
    .await
}

/// The additional field of resources or accounts named so, ignoring case.
pub async fn find_additional_field(
    tx: &mut TenantTx,
    applies_to: &str,
    name: &str,
) -> Result<Option<AdditionalFieldRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT applies_to, name, kind, required, source FROM additional_fields
         WHERE applies_to = $1 AND lower(name) = lower($2)",
    )
    .bind(applies_to)
    .bind(name)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn save_additional_field(
    tx: &mut TenantTx,
    field: &AdditionalFieldRow,
) -> Result<AdditionalFieldRow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO additional_fields (applies_to, name, kind, required, source)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (applies_to, lower(name)) DO UPDATE
             SET kind = EXCLUDED.kind, required = EXCLUDED.required, source = EXCLUDED.source
         RETURNING applies_to, name, kind, required, source",
    )
    .bind(&field.applies_to)
    .bind(&field.name)
    .bind(&field.kind)
    .bind(field.required)
    .bind(&field.source)
    .fetch_one(&mut **tx)
    .await
}

/// Deletes the field and every value of it.
pub async fn delete_additional_field(
    tx: &mut TenantTx,
    owner: FieldOwner,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM additional_fields WHERE applies_to = $1 AND name = $2")
        .bind(owner.as_str())
        .bind(name)
        .execute(&mut **tx)
        .await?;
    let (table, _) = owner.table();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE name = $1"
    )))
    .bind(name)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One field value; a sealed one carries no text.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FieldValueRow {
    pub owner_id: Uuid,
    pub name: String,
    pub value: String,
    pub sealed: bool,
}

/// The field values of these owners, by owner then name.
pub async fn list_field_values(
    tx: &mut TenantTx,
    owner: FieldOwner,
    ids: &[Uuid],
) -> Result<Vec<FieldValueRow>, sqlx::Error> {
    let (table, column) = owner.table();
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {column} AS owner_id, name, value, ciphertext IS NOT NULL AS sealed
         FROM {table} WHERE {column} = ANY($1) ORDER BY {column}, name"
    )))
    .bind(ids)
    .fetch_all(&mut **tx)
    .await
}

/// A value to store: text, or sealed.
pub enum StoredValue<'a> {
    Text(&'a str),
    Sealed {
        key_version: i32,
        ciphertext: &'a [u8],
    },
}

pub async fn set_field_value(
    tx: &mut TenantTx,
    owner: FieldOwner,
    id: Uuid,
    name: &str,
    value: StoredValue<'_>,
) -> Result<(), sqlx::Error> {
    let (table, column) = owner.table();
    let (text, key_version, ciphertext) = match value {
        StoredValue::Text(text) => (text, None, None),
        StoredValue::Sealed {
            key_version,
            ciphertext,
        } => ("", Some(key_version), Some(ciphertext)),
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {table} ({column}, name, value, key_version, ciphertext)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT ({column}, name) DO UPDATE SET value = EXCLUDED.value,
             key_version = EXCLUDED.key_version, ciphertext = EXCLUDED.ciphertext"
    )))
    .bind(id)
    .bind(name)
    .bind(text)
    .bind(key_version)
    .bind(ciphertext)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn delete_field_value(
    tx: &mut TenantTx,
    owner: FieldOwner,
    id: Uuid,
    name: &str,
) -> Result<(), sqlx::Error> {
    let (table, column) = owner.table();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE {column} = $1 AND name = $2"
    )))
    .bind(id)
    .bind(name)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A sealed field value. `Debug` shows the ciphertext's length, never its bytes.
pub struct SealedField {
    pub key_version: i32,
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for SealedField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedField")
            .field("key_version", &self.key_version)
            .field(
                "ciphertext",
                &format_args!("<{} bytes sealed>", self.ciphertext.len()),
            )
            .finish()
    }
}

pub async fn find_sealed_field(
    tx: &mut TenantTx,
    owner: FieldOwner,
    id: Uuid,
    name: &str,
) -> Result<Option<SealedField>, sqlx::Error> {
    let (table, column) = owner.table();
    let row: Option<(i32, Vec<u8>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT key_version, ciphertext FROM {table}
         WHERE {column} = $1 AND name = $2 AND ciphertext IS NOT NULL"
    )))
    .bind(id)
    .bind(name)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(key_version, ciphertext)| SealedField {
        key_version,
        ciphertext,
    }))
}

/// The sealed values of these owners' password-kind fields: (owner, name, sealed).
pub async fn list_sealed_fields(
    tx: &mut TenantTx,
    owner: FieldOwner,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, String, SealedField)>, sqlx::Error> {
    let (table, column) = owner.table();
    let rows: Vec<(Uuid, String, i32, Vec<u8>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {column}, name, key_version, ciphertext FROM {table}
         WHERE {column} = ANY($1) AND ciphertext IS NOT NULL ORDER BY {column}, name"
    )))
    .bind(ids)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(owner, name, key_version, ciphertext)| {
            (
                owner,
                name,
                SealedField {
                    key_version,
                    ciphertext,
                },
            )
        })
        .collect())
}
