//! Resources: the servers, databases, devices and applications whose accounts the vault
//! keeps.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use super::contains_pattern;

/// A resource as its viewer sees it: with its live accounts counted and whether the viewer
/// marked it a favourite.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResourceRow {
    pub id: Uuid,
    pub name: String,
    pub resource_type: String,
    pub host: String,
    pub url: String,
    pub department: String,
    pub location: String,
    pub description: String,
    pub notes: String,
    pub password_policy: String,
    pub owner_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub accounts: i64,
    pub favourite: bool,
    /// Its field values (read separately; a sealed one shows no value).
    #[sqlx(skip)]
    pub fields: Vec<super::FieldValueRow>,
}

/// Selects [`ResourceRow`]s of `resources r` for the viewer `$1`.
const RESOURCE_COLUMNS: &str = "r.id, r.name, r.resource_type, r.host, r.url, r.department,
    r.location, r.description, r.notes, r.password_policy, r.owner_id, r.created_at, r.updated_at, r.deleted_at,
    (SELECT count(*) FROM accounts a WHERE a.resource_id = r.id AND a.deleted_at IS NULL)
        AS accounts,
    EXISTS (SELECT 1 FROM favourite_resources f WHERE f.resource_id = r.id AND f.user_id = $1)
        AS favourite";

/// A resource's descriptive fields, as created or as they become.
#[derive(Debug, Clone, Default)]
pub struct ResourceFields {
    pub name: String,
    pub resource_type: String,
    pub host: String,
    pub url: String,
    pub department: String,
    pub location: String,
    pub description: String,
    pub notes: String,
    /// The policy its passwords must satisfy: a built-in or custom name, or empty.
    pub password_policy: String,
}

pub async fn create_resource(
    tx: &mut TenantTx,
    id: Uuid,
    fields: &ResourceFields,
    owner: Uuid,
) -> Result<ResourceRow, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH r AS (
            INSERT INTO resources (id, name, resource_type, host, url, department, location,
                description, notes, password_policy, owner_id)
            VALUES ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $1) RETURNING *)
         SELECT {RESOURCE_COLUMNS} FROM r"
    )))
    .bind(owner)
    .bind(id)
    .bind(&fields.name)
    .bind(&fields.resource_type)
    .bind(&fields.host)
    .bind(&fields.url)
    .bind(&fields.department)
    .bind(&fields.location)
    .bind(&fields.description)
    .bind(&fields.notes)
    .bind(&fields.password_policy)
    .fetch_one(&mut **tx)
    .await
}

/// The resource, live or in the trash, as `viewer` sees it.
pub async fn find_resource(
    tx: &mut TenantTx,
    id: Uuid,
    viewer: Uuid,
) -> Result<Option<ResourceRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RESOURCE_COLUMNS} FROM resources r WHERE r.id = $2"
    )))
    .bind(viewer)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Replaces the resource's fields; `None` when it is not there (or in the trash).
pub async fn update_resource(
    tx: &mut TenantTx,
    id: Uuid,
    fields: &ResourceFields,
    viewer: Uuid,
) -> Result<Option<ResourceRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH r AS (
            UPDATE resources SET name = $3, resource_type = $4, host = $5, url = $6,
                department = $7, location = $8, description = $9, notes = $10,
                password_policy = $11, updated_at = now()
            WHERE id = $2 AND deleted_at IS NULL RETURNING *)
         SELECT {RESOURCE_COLUMNS} FROM r"
    )))
    .bind(viewer)
    .bind(id)
    .bind(&fields.name)
    .bind(&fields.resource_type)
    .bind(&fields.host)
    .bind(&fields.url)
    .bind(&fields.department)
    .bind(&fields.location)
    .bind(&fields.description)
    .bind(&fields.notes)
    .bind(&fields.password_policy)
    .fetch_optional(&mut **tx)
    .await
}

/// Moves a live resource (and so its accounts) to the trash, or back (`by` = `None`).
pub async fn set_resource_trashed(
    tx: &mut TenantTx,
    id: Uuid,
    by: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE resources SET deleted_at = CASE WHEN $2::uuid IS NULL THEN NULL ELSE now() END,
                deleted_by = $2, updated_at = now()
         WHERE id = $1 AND (deleted_at IS NULL) = ($2::uuid IS NOT NULL)",
    )
    .bind(id)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a resource from the trash for good, with its accounts and every version of
/// their passwords; returns how many accounts went with it.
pub async fn purge_resource(tx: &mut TenantTx, id: Uuid) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "WITH gone AS (DELETE FROM resources WHERE id = $1 AND deleted_at IS NOT NULL
                       RETURNING id)
         SELECT (SELECT count(*) FROM accounts a WHERE a.resource_id = gone.id) FROM gone",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// The order of a listing. Ties are broken by id, so pages never overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ResourceOrder {
    #[default]
    Name,
    Type,
    Host,
    Department,
    Location,
    CreatedAt,
    UpdatedAt,
}

impl ResourceOrder {
    fn column(self) -> &'static str {
        match self {
            Self::Name => "lower(r.name)",
            Self::Type => "lower(r.resource_type)",
            Self::Host => "lower(r.host)",
            Self::Department => "lower(r.department)",
            Self::Location => "lower(r.location)",
            Self::CreatedAt => "r.created_at",
            Self::UpdatedAt => "r.updated_at",
        }
    }
}

/// What a listing keeps: every filter set must hold.
#[derive(Debug, Clone, Default)]
pub struct ResourceFilter {
    /// Every word must appear in one of the searched fields (never passwords).
    pub words: Vec<String>,
    pub name: String,
    pub host: String,
    pub resource_type: String,
    pub department: String,
    pub location: String,
    pub owner: Option<Uuid>,
    pub favourites_only: bool,
    pub deleted: bool,
    /// Resources whose field of this name (not a sealed one) contains `field_value`.
    pub field_name: String,
    pub field_value: String,
    /// Only these resources (a group's).
    pub in_group: Option<Vec<Uuid>>,
    pub order: ResourceOrder,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// The rows a caller may see, as the access service scoped them.
#[derive(Debug, Clone, Default)]
pub struct VisibleRows {
    pub owners: Vec<Uuid>,
    pub resources: Vec<Uuid>,
    pub accounts: Vec<Uuid>,
}

/// The conditions of a listing, over `resources r`, for the viewer `$1` and the parameters
/// bound by [`bind_filter`].
const LIST_WHERE: &str = "
    (r.owner_id = ANY($2) OR r.id = ANY($3)
     OR EXISTS (SELECT 1 FROM accounts a WHERE a.resource_id = r.id AND a.id = ANY($4)))
    AND (r.deleted_at IS NOT NULL) = $5
    AND ($6 = '' OR r.name ILIKE $6)
    AND ($7 = '' OR r.host ILIKE $7)
    AND ($8 = '' OR lower(r.resource_type) = lower($8))
    AND ($9 = '' OR r.department ILIKE $9)
    AND ($10 = '' OR r.location ILIKE $10)
    AND ($11::uuid IS NULL OR r.owner_id = $11)
    AND (NOT $12 OR EXISTS (SELECT 1 FROM favourite_resources f
                            WHERE f.resource_id = r.id AND f.user_id = $1))
    AND NOT EXISTS (
        SELECT 1 FROM unnest($13::text[]) AS w(pattern) WHERE r.search_text NOT ILIKE w.pattern)
    AND ($14 = '' OR EXISTS (SELECT 1 FROM resource_field_values v
                             WHERE v.resource_id = r.id AND v.name = $14
                               AND v.ciphertext IS NULL AND v.value ILIKE $15))
    AND ($16::uuid[] IS NULL OR r.id = ANY($16))";

type Query<'q, O> = sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>;

fn bind_filter<'q, O>(
    query: Query<'q, O>,
    viewer: Uuid,
    visible: &'q VisibleRows,
    filter: &'q ResourceFilter,
) -> Query<'q, O> {
    query
        .bind(viewer)
        .bind(&visible.owners)
        .bind(&visible.resources)
        .bind(&visible.accounts)
        .bind(filter.deleted)
        .bind(contains_pattern(&filter.name))
        .bind(contains_pattern(&filter.host))
        .bind(filter.resource_type.trim().to_owned())
        .bind(contains_pattern(&filter.department))
        .bind(contains_pattern(&filter.location))
        .bind(filter.owner)
        .bind(filter.favourites_only)
        .bind(
            filter
                .words
                .iter()
                .map(|w| contains_pattern(w))
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>(),
        )
        .bind(filter.field_name.trim().to_owned())
        .bind(match contains_pattern(&filter.field_value) {
            p if p.is_empty() => "%".to_owned(),
            p => p,
        })
        .bind(filter.in_group.as_deref())
}

/// One page of the resources the viewer may see that the filter keeps, and how many there
/// are in all.
pub async fn list_resources(
    tx: &mut TenantTx,
    viewer: Uuid,
    visible: &VisibleRows,
    filter: &ResourceFilter,
) -> Result<(Vec<ResourceRow>, i64), sqlx::Error> {
    let direction = if filter.descending { "DESC" } else { "ASC" };
    let order = filter.order.column();
    let rows: Vec<ResourceRow> = bind_filter(
        // The page first, then its columns: the counted accounts and the favourite mark
        // are looked up for the page's rows only, not for every row the offset skips.
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "WITH page AS (
                SELECT r.* FROM resources r WHERE {LIST_WHERE}
                ORDER BY {order} {direction}, r.id {direction} OFFSET $17 LIMIT $18)
             SELECT {RESOURCE_COLUMNS} FROM page r ORDER BY {order} {direction}, r.id {direction}"
        ))),
        viewer,
        visible,
        filter,
    )
    .bind(filter.offset)
    .bind(filter.limit)
    .fetch_all(&mut **tx)
    .await?;
    let (total,): (i64,) = bind_filter(
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM resources r WHERE {LIST_WHERE}"
        ))),
        viewer,
        visible,
        filter,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok((rows, total))
}

/// How many resources `owner` owns, in the trash too.
pub async fn count_owned(tx: &mut TenantTx, owner: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM resources WHERE owner_id = $1")
        .bind(owner)
        .fetch_one(&mut **tx)
        .await
}

/// Hands every resource `from` owns to `to`; returns each one moved (id, name).
pub async fn transfer_owned(
    tx: &mut TenantTx,
    from: Uuid,
    to: Uuid,
) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE resources SET owner_id = $2, updated_at = now() WHERE owner_id = $1
         RETURNING id, name",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await
}

/// What a user can mark as a favourite.
#[derive(Clone, Copy)]
pub enum Favourite {
    Resource,
    Account,
}

/// Marks (or unmarks) a resource or an account as one of `user`'s favourites.
pub async fn set_favourite(
    tx: &mut TenantTx,
    kind: Favourite,
    user: Uuid,
    id: Uuid,
    favourite: bool,
) -> Result<(), sqlx::Error> {
    let sql = match (kind, favourite) {
        (Favourite::Resource, true) => {
            "INSERT INTO favourite_resources (user_id, resource_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING"
        }
        (Favourite::Resource, false) => {
            "DELETE FROM favourite_resources WHERE user_id = $1 AND resource_id = $2"
        }
        (Favourite::Account, true) => {
            "INSERT INTO favourite_accounts (user_id, account_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING"
        }
        (Favourite::Account, false) => {
            "DELETE FROM favourite_accounts WHERE user_id = $1 AND account_id = $2"
        }
    };
    sqlx::query(sql)
        .bind(user)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
