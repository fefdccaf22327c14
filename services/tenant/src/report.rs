//! The org report: who can reach a client org, and at which level — its own users and user
//! groups, its account manager, and MSPOrg users and user groups named by approved grants.

use strongroom_auth::{RequestContext, outgoing};
use strongroom_core::Permission;
use strongroom_proto::identity::{Empty, ExchangeTokenRequest, ListUsersRequest, User};
use strongroom_proto::tenant::{
    MspAccess, MspGroupAccess, MspPerson, OrgReport, ReportGroup, ReportUser,
};
use tonic::metadata::MetadataValue;

use crate::app::Tenant;
use crate::error::TenantError;

fn report_user(u: &User, level: &str) -> ReportUser {
    ReportUser {
        id: u.id.clone(),
        username: u.username.clone(),
        full_name: u.full_name.clone(),
        role: u.role.clone(),
        status: u.status.clone(),
        level: level.to_owned(),
        grant_id: String::new(),
    }
}

/// A call carrying `token` (the caller's, exchanged for the client org).
fn with_token<T>(token: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Ok(v) = MetadataValue::try_from(format!("Bearer {token}")) {
        request.metadata_mut().insert("authorization", v);
    }
    request
}

impl Tenant {
    /// The client org's own view of who from the MSP reaches it: its account manager and
    /// the approved grants, with the group members each lets in. Built from what the
    /// tenant service recorded (names included), since the org's users cannot read
    /// MSPOrg's.
    pub async fn msp_access(&self, ctx: &RequestContext) -> Result<MspAccess, TenantError> {
        ctx.require(Permission::UsersView)
            .map_err(|e| TenantError::PermissionDenied(e.to_string()))?;
        if ctx.org() == self.msp_org {
            return Err(TenantError::InvalidInput(
                "MSP access is shown to client orgs; MSPOrg's staff are its own users".into(),
            ));
        }
        let mut access = MspAccess::default();
        let manager: Option<(uuid::Uuid, String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
            "SELECT user_id, username, assigned_at FROM public.account_managers
                 WHERE org_id = $1",
        )
        .bind(ctx.org().0)
        .fetch_optional(self.db.global())
        .await?;
        access.account_manager = manager.map(|(id, username, at)| MspPerson {
            user_id: id.to_string(),
            username,
            level: "account_manager".into(),
            approved_at: at.to_rfc3339(),
            ..MspPerson::default()
        });
        let grants: Vec<crate::grants::GrantRow> = self.approved_grants_of(ctx.org()).await?;
        for g in grants {
            let approved_at = g.decided_at.map(|t| t.to_rfc3339()).unwrap_or_default();
            let approved_by = g.decided_by_name.clone().unwrap_or_default();
            match g.designee_kind.as_str() {
                "user" => access.granted_users.push(MspPerson {
                    user_id: g.designee_id.to_string(),
                    username: g.designee_name,
                    level: "granted_user".into(),
                    grant_id: g.id.to_string(),
                    approved_by,
                    approved_at,
                }),
                "group" => {
                    let members = self.approved_members(g.id).await?;
                    access.granted_groups.push(MspGroupAccess {
                        group_id: g.designee_id.to_string(),
                        name: g.designee_name,
                        grant_id: g.id.to_string(),
                        approved_by,
                        approved_at,
                        every_member: members.is_none(),
                        members: members
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(id, username, by, at)| MspPerson {
                                user_id: id.to_string(),
                                username,
                                level: "granted_group_member".into(),
                                grant_id: g.id.to_string(),
                                approved_by: by,
                                approved_at: at.to_rfc3339(),
                            })
                            .collect(),
                    });
                }
                _ => {}
            }
        }
        Ok(access)
    }

    /// Only an MSPOrg administrator who manages the org may see who can reach it: the
    /// org's own users are the org's data.
    pub async fn org_report(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<OrgReport, TenantError> {
        let org = self.managed_org(ctx, id).await?;
        if org.is_msp {
            return Err(TenantError::InvalidInput(
                "the org report is for client orgs".into(),
            ));
        }
        let mut report = OrgReport {
            org_id: org.id.to_string(),
            slug: org.slug.clone(),
            name: org.name.clone(),
            ..OrgReport::default()
        };
        if let Some(manager) = org.account_manager_id
            && let Some(u) = self.msp_user(ctx, manager).await?
        {
            report.account_manager = Some(report_user(&u, "account_manager"));
        }

        // The org's own people, asked of identity as the caller acting in that org.
        let token = self
            .identity
            .clone()
            .exchange_token(outgoing(
                ctx,
                ExchangeTokenRequest {
                    target_org_id: org.id.to_string(),
                },
            ))
            .await
            .map_err(TenantError::Identity)?
            .into_inner()
            .token;
        let users = self
            .identity
            .clone()
            .list_users(with_token(&token, ListUsersRequest::default()))
            .await
            .map_err(TenantError::Identity)?
            .into_inner()
            .users;
        report.own_users = users.iter().map(|u| report_user(u, "own_user")).collect();
        let groups = self
            .identity
            .clone()
            .list_groups(with_token(&token, Empty {}))
            .await
            .map_err(TenantError::Identity)?
            .into_inner()
            .groups;
        report.own_groups = groups
            .into_iter()
            .map(|g| ReportGroup {
                id: g.id,
                name: g.name,
                member_count: g.member_count,
                level: "own_group".into(),
                grant_id: String::new(),
                members: Vec::new(),
            })
            .collect();

        let grants = self
            .list_org_access(
                ctx,
                &crate::grants::GrantFilter {
                    org: Some(org.id),
                    status: Some("approved".into()),
                    ..Default::default()
                },
            )
            .await?;
        for grant in grants {
            if grant.designee_kind == "user" {
                if let Some(u) = self.msp_user(ctx, grant.designee_id).await? {
                    let mut user = report_user(&u, "granted_user");
                    user.grant_id = grant.id.to_string();
                    report.granted_users.push(user);
                }
            } else if grant.designee_kind == "group"
                && let Some(g) = self.msp_group(ctx, grant.designee_id).await?
            {
                let approved = self.approved_members(grant.id).await?;
                let level = |m: &User| match &approved {
                    Some(rows) if !rows.iter().any(|(id, ..)| id.to_string() == m.id) => {
                        "pending_group_member"
                    }
                    _ => "granted_group_member",
                };
                report.granted_groups.push(ReportGroup {
                    id: g.id.to_string(),
                    name: g.name,
                    member_count: u32::try_from(g.members.len()).unwrap_or(u32::MAX),
                    level: "granted_group".into(),
                    grant_id: grant.id.to_string(),
                    members: g.members.iter().map(|m| report_user(m, level(m))).collect(),
                });
            }
        }
        Ok(report)
    }
}
