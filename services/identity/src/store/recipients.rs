//! The people the workflow and the org's mail name: who gets a mail, who may approve.

use strongroom_tenancy::TenantTx;
use uuid::Uuid;

/// The active users with a mail address among `users`, the members of `groups` and (when
/// `administrators`) the administrators: (id, username, email), each once.
pub async fn recipients(
    tx: &mut TenantTx,
    users: &[Uuid],
    groups: &[Uuid],
    administrators: bool,
) -> Result<Vec<(Uuid, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, username, email FROM users
         WHERE status = 'active' AND email <> ''
           AND (id = ANY($1)
                OR id IN (SELECT user_id FROM group_members WHERE group_id = ANY($2))
                OR ($3 AND role = 'administrator'))
         ORDER BY lower(username)",
    )
    .bind(users)
    .bind(groups)
    .bind(administrators)
    .fetch_all(&mut **tx)
    .await
}

/// The active members of `groups` and (when `administrators`) the administrators: (id,
/// username, the groups among `groups` they are in, whether an administrator).
pub async fn approvers(
    tx: &mut TenantTx,
    groups: &[Uuid],
    administrators: bool,
) -> Result<Vec<(Uuid, String, Vec<Uuid>, bool)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.username,
                ARRAY(SELECT m.group_id FROM group_members m
                      WHERE m.user_id = u.id AND m.group_id = ANY($1)),
                u.role = 'administrator'
         FROM users u
         WHERE u.status = 'active'
           AND (u.id IN (SELECT user_id FROM group_members WHERE group_id = ANY($1))
                OR ($2 AND u.role = 'administrator'))
         ORDER BY lower(u.username)",
    )
    .bind(groups)
    .bind(administrators)
    .fetch_all(&mut **tx)
    .await
}
