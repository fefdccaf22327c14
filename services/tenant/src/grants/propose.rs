//! Proposing access to client orgs (or a new account manager) for an MSPOrg user or user
//! group, to be decided by a named administrator.

use serde_json::json;
use strongroom_auth::RequestContext;
use strongroom_core::{OrgId, UserId};
use strongroom_proto::identity::User;
use uuid::Uuid;

use crate::app::Tenant;
use crate::error::TenantError;
use crate::ids::GroupId;
use crate::people::is_active_admin;
use crate::store::{self, GrantRow, NewGrant, OrgRow};

/// Administrators needed: a proposer, a designee and an approver distinct from both.
const ADMINS_NEEDED: usize = 3;

/// Who is to reach the orgs.
#[derive(Debug, Clone, Copy)]
pub enum Designee {
    User(UserId),
    Group(GroupId),
    /// The org's next account manager: the change waits for the approver like a grant.
    AccountManager(UserId),
}

impl Designee {
    pub fn parse(kind: &str, id: &str) -> Result<Self, TenantError> {
        let id = Uuid::try_parse(id.trim()).map_err(|_| {
            TenantError::InvalidInput("designee_id must be a user or user group id".into())
        })?;
        match kind {
            "user" => Ok(Self::User(UserId(id))),
            "group" => Ok(Self::Group(GroupId(id))),
            "account_manager" => Ok(Self::AccountManager(UserId(id))),
            other => Err(TenantError::InvalidInput(format!(
                "designee_kind must be user, group or account_manager, not {other:?}"
            ))),
        }
    }
}

/// The designee as recorded: kind, id, name and (a group's) members when proposed.
struct Named {
    kind: &'static str,
    id: Uuid,
    name: String,
    members: Option<Vec<Uuid>>,
}

impl Tenant {
    /// Proposes access to each of `orgs` for `designee`, to be decided by `approver`.
    pub async fn propose_org_access(
        &self,
        ctx: &RequestContext,
        designee: Designee,
        orgs: &[OrgId],
        approver: UserId,
        note: &str,
    ) -> Result<Vec<GrantRow>, TenantError> {
        self.require_msp_admin(ctx)?;
        if orgs.is_empty() {
            return Err(TenantError::InvalidInput(
                "org_ids must name at least one client org".into(),
            ));
        }
        let note = note.trim();
        if note.chars().count() > 1000 {
            return Err(TenantError::InvalidInput(
                "note must have at most 1000 characters".into(),
            ));
        }
        let admins = self.people.active_admins(ctx).await?;
        if admins < ADMINS_NEEDED {
            return Err(TenantError::Conflict(format!(
                "org access must be approved by an administrator who is neither the proposer \
                 nor the designee, so MSPOrg needs at least {ADMINS_NEEDED} active \
                 administrators; it has {admins}"
            )));
        }
        let (approver_id, approver) = self.approver(ctx, approver).await?;
        let named = self.designee(ctx, designee, approver_id, &approver).await?;
        let targets = self.client_orgs_for(orgs, designee, &named.name).await?;

        let grant = NewGrant {
            designee_kind: named.kind,
            designee_id: named.id,
            designee_name: &named.name,
            proposer: (ctx.user(), ctx.username()),
            approver: (approver_id, &approver.username),
            note,
            members: named.members.as_deref(),
        };
        let mut tx = self.db.begin(self.msp_org).await?;
        let mut ids = Vec::with_capacity(targets.len());
        let mut events = Vec::with_capacity(targets.len());
        for org in &targets {
            let id = store::insert_grant(&mut tx, org.id, &grant)
                .await
                .map_err(|e| {
                    if store::is_unique_violation(&e) {
                        TenantError::Conflict(format!(
                            "{} already has a pending or approved grant for {}",
                            named.name, org.slug
                        ))
                    } else {
                        e.into()
                    }
                })?;
            ids.push(id);
            events.push(
                self.grant_event(ctx, "org_access.proposed", id, &org.slug, &named.name)
                    .with_details(json!({
                        "org_id": org.id, "org": org.slug, "designee_kind": named.kind,
                        "designee_id": named.id, "designee": named.name,
                        "approver_id": grant.approver.0, "approver": approver.username,
                    })),
            );
        }
        self.commit_events(tx, &events).await?;
        Ok(store::find_grants(self.db.global(), &ids).await?)
    }

    /// The named approver: an active MSPOrg administrator other than the proposer.
    async fn approver(
        &self,
        ctx: &RequestContext,
        id: UserId,
    ) -> Result<(UserId, User), TenantError> {
        let approver = match self.people.user(ctx, id).await? {
            Some(u) if is_active_admin(&u) => u,
            Some(u) => {
                return Err(TenantError::InvalidInput(format!(
                    "the approver must be an active MSPOrg administrator; {} is not",
                    u.username
                )));
            }
            None => {
                return Err(TenantError::InvalidInput(
                    "the approver must be an MSPOrg administrator; no such user".into(),
                ));
            }
        };
        if id == ctx.user() {
            return Err(TenantError::InvalidInput(
                "the proposer cannot approve their own request; name another administrator".into(),
            ));
        }
        Ok((id, approver))
    }

    /// The designee as recorded; the approver must not be (or be in) the designee.
    async fn designee(
        &self,
        ctx: &RequestContext,
        designee: Designee,
        approver_id: UserId,
        approver: &User,
    ) -> Result<Named, TenantError> {
        match designee {
            Designee::User(id) => {
                let user = self.people.user(ctx, id).await?.ok_or_else(|| {
                    TenantError::InvalidInput(
                        "the designee must be an MSPOrg user; no such user".into(),
                    )
                })?;
                if user.status != "active" {
                    return Err(TenantError::InvalidInput(format!(
                        "the designee {} is not active",
                        user.username
                    )));
                }
                if id == approver_id {
                    return Err(TenantError::InvalidInput(
                        "the designee cannot approve access for themselves; name another administrator"
                            .into(),
                    ));
                }
                Ok(Named {
                    kind: "user",
                    id: id.0,
                    name: user.username,
                    members: None,
                })
            }
            Designee::AccountManager(id) => {
                if id == ctx.user() {
                    return Err(TenantError::InvalidInput(
                        "you cannot name yourself an org's account manager; another \
                         administrator must propose it"
                            .into(),
                    ));
                }
                if id == approver_id {
                    return Err(TenantError::InvalidInput(
                        "the new account manager cannot approve their own appointment; name \
                         another administrator"
                            .into(),
                    ));
                }
                let (_, username) = self.account_manager(ctx, id).await?;
                Ok(Named {
                    kind: "account_manager",
                    id: id.0,
                    name: username,
                    members: None,
                })
            }
            Designee::Group(id) => {
                let group = self.people.group(ctx, id).await?.ok_or_else(|| {
                    TenantError::InvalidInput(
                        "the designee must be an MSPOrg user group; no such group".into(),
                    )
                })?;
                if group.members.iter().any(|m| m.id == approver.id) {
                    return Err(TenantError::InvalidInput(format!(
                        "{} is a member of the designated group {} and so cannot approve its access",
                        approver.username, group.name
                    )));
                }
                let members = group
                    .members
                    .iter()
                    .filter_map(|m| Uuid::try_parse(&m.id).ok())
                    .collect();
                Ok(Named {
                    kind: "group",
                    id: id.0,
                    name: group.name,
                    members: Some(members),
                })
            }
        }
    }

    /// The active client orgs named by `orgs`; a user designee must not manage one already.
    async fn client_orgs_for(
        &self,
        orgs: &[OrgId],
        designee: Designee,
        designee_name: &str,
    ) -> Result<Vec<OrgRow>, TenantError> {
        if matches!(designee, Designee::AccountManager(_)) && orgs.len() != 1 {
            return Err(TenantError::InvalidInput(
                "org_ids: an account manager change names exactly one org".into(),
            ));
        }
        let mut targets = Vec::with_capacity(orgs.len());
        for &org in orgs {
            match store::find_org(self.db.global(), org).await? {
                Some(o) if !o.is_msp && o.status == "active" => {
                    if let Designee::User(user) | Designee::AccountManager(user) = designee
                        && o.account_manager_id == Some(user.0)
                    {
                        return Err(TenantError::InvalidInput(format!(
                            "{designee_name} is the account manager of {} already",
                            o.slug
                        )));
                    }
                    targets.push(o);
                }
                _ => return Err(not_a_client_org(&org.to_string())),
            }
        }
        Ok(targets)
    }
}

/// A refused entry of `org_ids`, as typed.
pub fn not_a_client_org(org: &str) -> TenantError {
    TenantError::InvalidInput(format!("org_ids: {org} is not a client org"))
}
