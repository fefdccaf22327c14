//! Resource groups, their hand-picked members, and the resources a dynamic group's criteria
//! select.

use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use super::{VisibleRows, contains_pattern, like_escaped as escaped};
use crate::group_criteria::{Criteria, Match, Operator, Subject};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupRow {
    pub id: Uuid,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub kind: String,
    pub criteria: Option<serde_json::Value>,
    pub description: String,
    pub owner_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const GROUP_COLUMNS: &str =
    "id, name, parent_id, kind, criteria, description, owner_id, created_at, updated_at";

/// A group as created or as it becomes.
pub struct GroupFields<'a> {
    pub name: &'a str,
    pub parent_id: Option<Uuid>,
    pub kind: &'a str,
    pub criteria: Option<&'a serde_json::Value>,
    pub description: &'a str,
}

pub async fn create_group(
    tx: &mut TenantTx,
    id: Uuid,
    fields: &GroupFields<'_>,
    owner: Uuid,
) -> Result<GroupRow, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO resource_groups (id, name, parent_id, kind, criteria, description, owner_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {GROUP_COLUMNS}"
    )))
    .bind(id)
    .bind(fields.name)
    .bind(fields.parent_id)
    .bind(fields.kind)
    .bind(fields.criteria)
    .bind(fields.description)
    .bind(owner)
    .fetch_one(&mut **tx)
    .await
}

pub async fn update_group(
    tx: &mut TenantTx,
    id: Uuid,
    fields: &GroupFields<'_>,
) -> Result<GroupRow, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE resource_groups SET name = $2, parent_id = $3, criteria = $4, description = $5,
                updated_at = now()
         WHERE id = $1 RETURNING {GROUP_COLUMNS}"
    )))
    .bind(id)
    .bind(fields.name)
    .bind(fields.parent_id)
    .bind(fields.criteria)
    .bind(fields.description)
    .fetch_one(&mut **tx)
    .await
}

pub async fn find_group(tx: &mut TenantTx, id: Uuid) -> Result<Option<GroupRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM resource_groups WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Every resource group of the org, whoever owns it.
pub async fn all_groups(tx: &mut TenantTx) -> Result<Vec<GroupRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM resource_groups"
    )))
    .fetch_all(&mut **tx)
    .await
}

/// The groups these owners have, by name.
pub async fn list_groups(tx: &mut TenantTx, owners: &[Uuid]) -> Result<Vec<GroupRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM resource_groups WHERE owner_id = ANY($1)
         ORDER BY lower(name), id"
    )))
    .bind(owners)
    .fetch_all(&mut **tx)
    .await
}

/// Deletes the group with the groups nested in it (never their resources); how many went.
pub async fn delete_group(tx: &mut TenantTx, id: Uuid) -> Result<i64, sqlx::Error> {
    let nested: i64 = sqlx::query_scalar(
        "WITH RECURSIVE tree AS (
             SELECT id FROM resource_groups WHERE id = $1
             UNION ALL SELECT g.id FROM resource_groups g JOIN tree t ON g.parent_id = t.id)
         SELECT count(*) FROM tree",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM resource_groups WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(nested)
}

/// Whether `candidate` is `group` or nested in it (so it cannot become its parent).
pub async fn is_within(
    tx: &mut TenantTx,
    group: Uuid,
    candidate: Uuid,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "WITH RECURSIVE tree AS (
             SELECT id FROM resource_groups WHERE id = $1
             UNION ALL SELECT g.id FROM resource_groups g JOIN tree t ON g.parent_id = t.id)
         SELECT EXISTS (SELECT 1 FROM tree WHERE id = $2)",
    )
    .bind(group)
    .bind(candidate)
    .fetch_one(&mut **tx)
    .await
}

/// Adds or removes a hand-picked resource; whether anything changed.
pub async fn set_group_resource(
    tx: &mut TenantTx,
    group: Uuid,
    resource: Uuid,
    member: bool,
) -> Result<bool, sqlx::Error> {
    let sql = if member {
        "INSERT INTO resource_group_resources (group_id, resource_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM resource_group_resources WHERE group_id = $1 AND resource_id = $2"
    };
    let done = sqlx::query(sql)
        .bind(group)
        .bind(resource)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Adds or removes a hand-picked account; whether anything changed.
pub async fn set_group_account(
    tx: &mut TenantTx,
    group: Uuid,
    account: Uuid,
    member: bool,
) -> Result<bool, sqlx::Error> {
    let sql = if member {
        "INSERT INTO resource_group_accounts (group_id, account_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM resource_group_accounts WHERE group_id = $1 AND account_id = $2"
    };
    let done = sqlx::query(sql)
        .bind(group)
        .bind(account)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The live resources a static group holds: those picked, and those of its picked accounts.
pub async fn static_group_resources(
    tx: &mut TenantTx,
    group: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT r.id FROM resources r WHERE r.deleted_at IS NULL AND (
             r.id IN (SELECT resource_id FROM resource_group_resources WHERE group_id = $1)
             OR r.id IN (SELECT a.resource_id FROM resource_group_accounts ga
                         JOIN accounts a ON a.id = ga.account_id AND a.deleted_at IS NULL
                         WHERE ga.group_id = $1))",
    )
    .bind(group)
    .fetch_all(&mut **tx)
    .await
}

/// The live resources that meet the criteria now.
pub async fn matching_resources(
    tx: &mut TenantTx,
    criteria: &Criteria,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let mut query: QueryBuilder<Postgres> =
        QueryBuilder::new("SELECT r.id FROM resources r WHERE r.deleted_at IS NULL AND (");
    let joiner = match criteria.match_ {
        Match::All => " AND ",
        Match::Any => " OR ",
    };
    for (i, condition) in criteria.conditions.iter().enumerate() {
        if i > 0 {
            query.push(joiner);
        }
        // A column name from a fixed list, or a field's value read with its name bound.
        match condition.subject() {
            Some(Subject::Column(column)) => {
                query.push(column);
            }
            Some(Subject::Field(name)) => {
                query.push(
                    "coalesce((SELECT v.value FROM resource_field_values v
                               WHERE v.resource_id = r.id AND v.ciphertext IS NULL AND v.name = ",
                );
                query.push_bind(name.to_owned());
                query.push("), '')");
            }
            None => {
                query.push("NULL");
            }
        }
        let value = condition.value.trim().to_owned();
        match condition.operator {
            Operator::Equals => {
                query.push(" ILIKE ");
                query.push_bind(escaped(&value));
            }
            Operator::NotEquals => {
                query.push(" NOT ILIKE ");
                query.push_bind(escaped(&value));
            }
            Operator::Contains => {
                query.push(" ILIKE ");
                query.push_bind(contains_pattern(&value));
            }
            Operator::StartsWith => {
                query.push(" ILIKE ");
                query.push_bind(format!("{}%", escaped(&value)));
            }
            Operator::EndsWith => {
                query.push(" ILIKE ");
                query.push_bind(format!("%{}", escaped(&value)));
            }
        }
    }
    query.push(")");
    query.build_query_scalar().fetch_all(&mut **tx).await
}

/// Sets the policy of the live resources among `resources` that `modifiable` allows
/// changing (by owner or by resource); those that changed.
pub async fn set_resources_policy(
    tx: &mut TenantTx,
    resources: &[Uuid],
    modifiable: &VisibleRows,
    policy: &str,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE resources SET password_policy = $2, updated_at = now()
         WHERE id = ANY($1) AND (owner_id = ANY($3) OR id = ANY($4))
           AND deleted_at IS NULL AND password_policy <> $2
         RETURNING id",
    )
    .bind(resources)
    .bind(policy)
    .bind(&modifiable.owners)
    .bind(&modifiable.resources)
    .fetch_all(&mut **tx)
    .await
}

/// A group's report: its resources by type, their live accounts, and the accounts whose
/// password is older than `days`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TypeCount {
    pub resource_type: String,
    pub resources: i64,
    pub accounts: i64,
    pub stale_passwords: i64,
}

pub async fn report(
    tx: &mut TenantTx,
    resources: &[Uuid],
    days: i32,
) -> Result<Vec<TypeCount>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.resource_type, count(DISTINCT r.id) AS resources, count(a.id) AS accounts,
                count(a.id) FILTER (WHERE s.created_at < now() - make_interval(days => $2))
                    AS stale_passwords
         FROM resources r
         LEFT JOIN accounts a ON a.resource_id = r.id AND a.deleted_at IS NULL
         LEFT JOIN secrets s ON s.account_id = a.id AND s.version = a.current_version
         WHERE r.id = ANY($1) AND r.deleted_at IS NULL
         GROUP BY r.resource_type ORDER BY r.resource_type",
    )
    .bind(resources)
    .bind(days)
    .fetch_all(&mut **tx)
    .await
}

/// The live resources `owner` owns (their Default Group).
pub async fn owned_resources(tx: &mut TenantTx, owner: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM resources WHERE owner_id = $1 AND deleted_at IS NULL")
        .bind(owner)
        .fetch_all(&mut **tx)
        .await
}

/// The owner of each of `ids` (in no particular order; ids of no resource left out).
pub async fn resource_owners(
    tx: &mut TenantTx,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    sqlx::query_as("SELECT id, owner_id FROM resources WHERE id = ANY($1)")
        .bind(ids)
        .fetch_all(&mut **tx)
        .await
}

/// Those of `ids` the viewer may see.
pub async fn visible_among(
    tx: &mut TenantTx,
    ids: &[Uuid],
    visible: &VisibleRows,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT r.id FROM resources r WHERE r.id = ANY($1)
           AND (r.owner_id = ANY($2) OR r.id = ANY($3)
                OR EXISTS (SELECT 1 FROM accounts a WHERE a.resource_id = r.id AND a.id = ANY($4)))",
    )
    .bind(ids)
    .bind(&visible.owners)
    .bind(&visible.resources)
    .bind(&visible.accounts)
    .fetch_all(&mut **tx)
    .await
}
