//! The org report: who can reach a client org, and at which level — its own users and user
//! groups, its account manager, and MSPOrg users and user groups named by approved grants.

use strongroom_auth::RequestContext;
use strongroom_core::{OrgId, Permission, UserId};
use strongroom_proto::identity::User;
use strongroom_proto::tenant::{
    MspAccess, MspGroupAccess, MspPerson, OrgReport, ReportGroup, ReportUser,
};

use crate::app::Tenant;
use crate::error::TenantError;
use crate::ids::GroupId;
use crate::store::{self, GrantFilter};

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
        let manager = store::find_account_manager(self.db.global(), ctx.org()).await?;
        access.account_manager = manager.map(|m| MspPerson {
            user_id: m.user_id.to_string(),
            username: m.username,
            level: "account_manager".into(),
            approved_at: m.assigned_at.to_rfc3339(),
            ..MspPerson::default()
        });
        let grants = self.approved_grants_of(ctx.org()).await?;
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
                    let members = self.approved_members(g.grant_id()).await?;
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
                            .map(|m| MspPerson {
                                user_id: m.user_id.to_string(),
                                username: m.username,
                                level: "granted_group_member".into(),
                                grant_id: g.id.to_string(),
                                approved_by: m.approved_by_name,
                                approved_at: m.approved_at.to_rfc3339(),
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
        id: OrgId,
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
            && let Some(u) = self.people.user(ctx, UserId(manager)).await?
        {
            report.account_manager = Some(report_user(&u, "account_manager"));
        }

        // The org's own people, asked of identity as the caller acting in that org.
        let own = self.people.of_org(ctx, id).await?;
        report.own_users = own
            .users
            .iter()
            .map(|u| report_user(u, "own_user"))
            .collect();
        report.own_groups = own
            .groups
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
                &GrantFilter {
                    org: Some(org.id),
                    status: Some("approved".into()),
                    ..Default::default()
                },
            )
            .await?;
        for grant in grants {
            if grant.designee_kind == "user" {
                if let Some(u) = self.people.user(ctx, UserId(grant.designee_id)).await? {
                    let mut user = report_user(&u, "granted_user");
                    user.grant_id = grant.id.to_string();
                    report.granted_users.push(user);
                }
            } else if grant.designee_kind == "group"
                && let Some(g) = self.people.group(ctx, GroupId(grant.designee_id)).await?
            {
                let approved = self.approved_members(grant.grant_id()).await?;
                let level = |m: &User| match &approved {
                    Some(rows) if !rows.iter().any(|r| r.user_id.to_string() == m.id) => {
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
