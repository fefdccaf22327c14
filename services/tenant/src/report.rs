//! The org report: who can reach a client org, and at which level — its own users and user
//! groups, its account manager, and MSPOrg users and user groups named by approved grants.

use strongroom_auth::{RequestContext, outgoing};
use strongroom_proto::identity::{Empty, ExchangeTokenRequest, ListUsersRequest, User};
use strongroom_proto::tenant::{OrgReport, ReportGroup, ReportUser};
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
                    Some(ids) if !ids.iter().any(|id| id.to_string() == m.id) => {
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
