//! Access-control policies: which targets are under the workflow, who approves, how long
//! requests wait and checkouts last.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::model::{PolicyOn, TargetKind, TargetRef};
use crate::workflow::Policy;

#[derive(sqlx::FromRow)]
struct PolicyRow {
    target_kind: String,
    target_id: Uuid,
    target_name: String,
    resources: Vec<Uuid>,
    approver_groups: Vec<Uuid>,
    approver_group_names: Vec<String>,
    client_admin_approves_msp_staff: bool,
    lapse_after_minutes: i32,
    max_checkout_minutes: i32,
    updated_by: Uuid,
    updated_at: DateTime<Utc>,
}

impl PolicyRow {
    fn policy(self) -> Option<PolicyOn> {
        Some(PolicyOn {
            target: TargetRef {
                kind: TargetKind::parse(&self.target_kind)?,
                id: self.target_id,
            },
            target_name: self.target_name,
            resources: self.resources,
            policy: Policy {
                approver_groups: self
                    .approver_groups
                    .into_iter()
                    .zip(self.approver_group_names)
                    .collect(),
                client_admin_approves_msp_staff: self.client_admin_approves_msp_staff,
                lapse_after_minutes: u32::try_from(self.lapse_after_minutes).ok()?,
                max_checkout_minutes: u32::try_from(self.max_checkout_minutes).ok()?,
            },
            updated_by: self.updated_by,
            updated_at: self.updated_at,
        })
    }
}

const POLICY_SELECT: &str = "SELECT target_kind, target_id, target_name, resources,
        approver_groups, approver_group_names, client_admin_approves_msp_staff,
        lapse_after_minutes, max_checkout_minutes, updated_by, updated_at
    FROM access_policies";

/// The policy set on this very target.
pub(crate) async fn policy_of(
    tx: &mut TenantTx,
    target: TargetRef,
) -> Result<Option<PolicyOn>, sqlx::Error> {
    let row: Option<PolicyRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{POLICY_SELECT} WHERE target_kind = $1 AND target_id = $2"
    )))
    .bind(target.kind.as_str())
    .bind(target.id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.and_then(PolicyRow::policy))
}

/// The policy an account follows: its own, else its resource's, else the most recently set
/// of the resource groups' that cover its resource.
pub(crate) async fn policy_for(
    tx: &mut TenantTx,
    account: Uuid,
    resource: Uuid,
) -> Result<Option<PolicyOn>, sqlx::Error> {
    let row: Option<PolicyRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{POLICY_SELECT}
         WHERE (target_kind = 'account' AND target_id = $1)
            OR (target_kind = 'resource' AND target_id = $2)
            OR (target_kind = 'resource_group' AND resources @> ARRAY[$2::uuid])
         ORDER BY CASE target_kind WHEN 'account' THEN 0 WHEN 'resource' THEN 1 ELSE 2 END,
                  updated_at DESC
         LIMIT 1"
    )))
    .bind(account)
    .bind(resource)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.and_then(PolicyRow::policy))
}

/// Saves the policy on its target, replacing one set before.
pub(crate) async fn save_policy(tx: &mut TenantTx, p: &PolicyOn) -> Result<(), sqlx::Error> {
    let (groups, names): (Vec<Uuid>, Vec<String>) =
        p.policy.approver_groups.iter().cloned().unzip();
    sqlx::query(
        "INSERT INTO access_policies (target_kind, target_id, target_name, resources,
             approver_groups, approver_group_names, client_admin_approves_msp_staff,
             lapse_after_minutes, max_checkout_minutes, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (target_kind, target_id) DO UPDATE
             SET target_name = EXCLUDED.target_name, resources = EXCLUDED.resources,
                 approver_groups = EXCLUDED.approver_groups,
                 approver_group_names = EXCLUDED.approver_group_names,
                 client_admin_approves_msp_staff = EXCLUDED.client_admin_approves_msp_staff,
                 lapse_after_minutes = EXCLUDED.lapse_after_minutes,
                 max_checkout_minutes = EXCLUDED.max_checkout_minutes,
                 updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at",
    )
    .bind(p.target.kind.as_str())
    .bind(p.target.id)
    .bind(&p.target_name)
    .bind(&p.resources)
    .bind(groups)
    .bind(names)
    .bind(p.policy.client_admin_approves_msp_staff)
    .bind(i32::try_from(p.policy.lapse_after_minutes).unwrap_or(i32::MAX))
    .bind(i32::try_from(p.policy.max_checkout_minutes).unwrap_or(i32::MAX))
    .bind(p.updated_by)
    .bind(p.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes the target's policy; the one removed, if any.
pub(crate) async fn delete_policy(
    tx: &mut TenantTx,
    target: TargetRef,
) -> Result<Option<PolicyOn>, sqlx::Error> {
    let row: Option<PolicyRow> = sqlx::query_as(
        "DELETE FROM access_policies WHERE target_kind = $1 AND target_id = $2
         RETURNING target_kind, target_id, target_name, resources, approver_groups,
             approver_group_names, client_admin_approves_msp_staff, lapse_after_minutes,
             max_checkout_minutes, updated_by, updated_at",
    )
    .bind(target.kind.as_str())
    .bind(target.id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.and_then(PolicyRow::policy))
}

/// Of these resources, those a resource or resource-group policy still covers.
pub(crate) async fn resources_still_covered(
    tx: &mut TenantTx,
    resources: &[Uuid],
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT r FROM unnest($1::uuid[]) AS r
         WHERE EXISTS (SELECT 1 FROM access_policies p
                       WHERE p.target_kind IN ('resource', 'resource_group')
                         AND p.resources @> ARRAY[r])",
    )
    .bind(resources)
    .fetch_all(&mut **tx)
    .await
}
