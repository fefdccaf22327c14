//! Org access grants: one MSPOrg administrator proposes access to client orgs for an MSPOrg
//! user or user group and names another administrator to decide. Neither the proposer nor
//! the designee may decide, so MSPOrg needs at least three active administrators.

use chrono::{DateTime, Utc};
use serde_json::json;
use strongroom_auth::RequestContext;
use strongroom_core::{OrgId, Permission};
use strongroom_events::{Event, Target};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::app::{SERVICE, Tenant};
use crate::error::TenantError;
use crate::people::is_active_admin;
use crate::store::{self, OrgRow};
use strongroom_proto::identity::User;

/// Administrators needed: a proposer, a designee and an approver distinct from both.
const ADMINS_NEEDED: usize = 3;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantRow {
    pub id: Uuid,
    pub org_id: Uuid,
    pub org_slug: String,
    pub org_name: String,
    pub designee_kind: String,
    pub designee_id: Uuid,
    pub designee_name: String,
    pub proposer_id: Uuid,
    pub proposer_name: String,
    pub approver_id: Uuid,
    pub approver_name: String,
    pub status: String,
    pub proposed_at: DateTime<Utc>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: String,
    /// A group's members when the grant was proposed (`None` before they were recorded).
    pub proposed_members: Option<Vec<Uuid>>,
}

const GRANT_COLUMNS: &str = "g.id, g.org_id, o.slug AS org_slug, o.name AS org_name,
    g.designee_kind, g.designee_id, g.designee_name, g.proposer_id, g.proposer_name,
    g.approver_id, g.approver_name, g.status, g.proposed_at, g.decided_by_name, g.decided_at,
    g.note, g.proposed_members
    FROM public.org_access_grants g JOIN public.orgs o ON o.id = g.org_id";

/// Who is to reach the orgs.
#[derive(Debug, Clone, Copy)]
pub enum Designee {
    User(Uuid),
    Group(Uuid),
    /// The org's next account manager: the change waits for the approver like a grant.
    AccountManager(Uuid),
}

impl Designee {
    pub fn parse(kind: &str, id: &str) -> Result<Self, TenantError> {
        let id = Uuid::try_parse(id.trim()).map_err(|_| {
            TenantError::InvalidInput("designee_id must be a user or user group id".into())
        })?;
        match kind {
            "user" => Ok(Self::User(id)),
            "group" => Ok(Self::Group(id)),
            "account_manager" => Ok(Self::AccountManager(id)),
            other => Err(TenantError::InvalidInput(format!(
                "designee_kind must be user, group or account_manager, not {other:?}"
            ))),
        }
    }
}

/// What a decision does besides moving the grant's status.
enum Apply {
    Nothing,
    /// The designee becomes the org's account manager.
    AccountManager,
    /// These members of the designated group (id, username) may use the grant.
    Members(Vec<(Uuid, String)>),
}

/// Which grants to list.
#[derive(Debug, Default)]
pub struct GrantFilter {
    pub org: Option<Uuid>,
    pub designee: Option<Uuid>,
    pub status: Option<String>,
    /// Pending requests the caller is named to decide.
    pub awaiting_me: bool,
}

impl Tenant {
    /// Proposes access to each of `orgs` for `designee`, to be decided by `approver`.
    pub async fn propose_org_access(
        &self,
        ctx: &RequestContext,
        designee: Designee,
        orgs: &[String],
        approver: &str,
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
        let admins = self.active_msp_admins(ctx).await?;
        if admins < ADMINS_NEEDED {
            return Err(TenantError::Conflict(format!(
                "org access must be approved by an administrator who is neither the proposer \
                 nor the designee, so MSPOrg needs at least {ADMINS_NEEDED} active \
                 administrators; it has {admins}"
            )));
        }
        let (approver_id, approver) = self.approver(ctx, approver).await?;
        let (designee_kind, designee_id, designee_name, members) =
            self.designee(ctx, designee, approver_id, &approver).await?;
        let targets = self.client_orgs_for(orgs, designee, &designee_name).await?;

        let mut tx = self.db.begin(self.msp_org).await?;
        let mut ids = Vec::with_capacity(targets.len());
        let mut events = Vec::with_capacity(targets.len());
        for org in &targets {
            let id = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO public.org_access_grants (id, org_id, designee_kind, designee_id,
                    designee_name, proposer_id, proposer_name, approver_id, approver_name, note,
                    proposed_members)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(org.id)
            .bind(designee_kind)
            .bind(designee_id)
            .bind(&designee_name)
            .bind(ctx.user().0)
            .bind(ctx.username())
            .bind(approver_id)
            .bind(&approver.username)
            .bind(note)
            .bind(&members)
            .execute(&mut *tx)
            .await
            .map_err(|e| match e.as_database_error() {
                Some(d) if d.kind() == sqlx::error::ErrorKind::UniqueViolation => {
                    TenantError::Conflict(format!(
                        "{designee_name} already has a pending or approved grant for {}",
                        org.slug
                    ))
                }
                _ => e.into(),
            })?;
            ids.push(id);
            events.push(
                self.grant_event(ctx, "org_access.proposed", id, &org.slug, &designee_name)
                    .with_details(json!({
                        "org_id": org.id, "org": org.slug, "designee_kind": designee_kind,
                        "designee_id": designee_id, "designee": designee_name,
                        "approver_id": approver_id, "approver": approver.username,
                    })),
            );
        }
        self.commit_events(tx, &events).await?;
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {GRANT_COLUMNS} WHERE g.id = ANY($1) ORDER BY o.slug"
        )))
        .bind(&ids)
        .fetch_all(self.db.global())
        .await?)
    }

    /// The named approver: an active MSPOrg administrator other than the proposer.
    async fn approver(&self, ctx: &RequestContext, id: &str) -> Result<(Uuid, User), TenantError> {
        let id = Uuid::try_parse(id.trim())
            .map_err(|_| TenantError::InvalidInput("approver_id must be a user id".into()))?;
        let approver = match self.msp_user(ctx, id).await? {
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
        if id == ctx.user().0 {
            return Err(TenantError::InvalidInput(
                "the proposer cannot approve their own request; name another administrator".into(),
            ));
        }
        Ok((id, approver))
    }

    /// The designee's kind, id and name; the approver must not be (or be in) the designee.
    async fn designee(
        &self,
        ctx: &RequestContext,
        designee: Designee,
        approver_id: Uuid,
        approver: &User,
    ) -> Result<(&'static str, Uuid, String, Option<Vec<Uuid>>), TenantError> {
        match designee {
            Designee::User(id) => {
                let user = self.msp_user(ctx, id).await?.ok_or_else(|| {
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
                Ok(("user", id, user.username, None))
            }
            Designee::AccountManager(id) => {
                if id == ctx.user().0 {
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
                let (_, username) = self.account_manager(ctx, &id.to_string()).await?;
                Ok(("account_manager", id, username, None))
            }
            Designee::Group(id) => {
                let group = self.msp_group(ctx, id).await?.ok_or_else(|| {
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
                Ok(("group", id, group.name, Some(members)))
            }
        }
    }

    /// The active client orgs named by `orgs`; a user designee must not manage one already.
    async fn client_orgs_for(
        &self,
        orgs: &[String],
        designee: Designee,
        designee_name: &str,
    ) -> Result<Vec<OrgRow>, TenantError> {
        if matches!(designee, Designee::AccountManager(_)) && orgs.len() != 1 {
            return Err(TenantError::InvalidInput(
                "org_ids: an account manager change names exactly one org".into(),
            ));
        }
        let mut targets = Vec::with_capacity(orgs.len());
        for org in orgs {
            let found = match OrgId::parse(org.trim()) {
                Ok(id) => store::find_org(self.db.global(), id).await?,
                Err(_) => None,
            };
            match found {
                Some(o) if !o.is_msp && o.status == "active" => {
                    if let Designee::User(user) | Designee::AccountManager(user) = designee
                        && o.account_manager_id == Some(user)
                    {
                        return Err(TenantError::InvalidInput(format!(
                            "{designee_name} is the account manager of {} already",
                            o.slug
                        )));
                    }
                    targets.push(o);
                }
                _ => {
                    return Err(TenantError::InvalidInput(format!(
                        "org_ids: {org} is not a client org"
                    )));
                }
            }
        }
        Ok(targets)
    }

    /// Approves (`approve`) or rejects a pending grant; only its named approver may.
    pub async fn decide_org_access(
        &self,
        ctx: &RequestContext,
        id: &str,
        approve: bool,
        note: &str,
    ) -> Result<GrantRow, TenantError> {
        self.require_msp_admin(ctx)?;
        let grant = self.grant_for_change(id).await?;
        if grant.status != "pending" {
            return Err(TenantError::Conflict(format!(
                "this request is already {}",
                grant.status
            )));
        }
        let me = ctx.user().0;
        if me == grant.proposer_id {
            return Err(TenantError::PermissionDenied(
                "the proposer cannot decide their own request".into(),
            ));
        }
        if grant.designee_kind != "group" && me == grant.designee_id {
            return Err(TenantError::PermissionDenied(
                "the designee cannot decide a request for their own access".into(),
            ));
        }
        if grant.designee_kind == "group"
            && self.own_groups(ctx).await?.contains(&grant.designee_id)
        {
            return Err(TenantError::PermissionDenied(format!(
                "members of {} cannot decide a request for that group's access",
                grant.designee_name
            )));
        }
        if me != grant.approver_id {
            return Err(TenantError::PermissionDenied(format!(
                "only the named approver, {}, may decide this request",
                grant.approver_name
            )));
        }
        if !approve {
            return self
                .set_status(
                    ctx,
                    &grant,
                    &["pending"],
                    "rejected",
                    "org_access.rejected",
                    note,
                    Apply::Nothing,
                )
                .await;
        }
        let (operation, apply) = match grant.designee_kind.as_str() {
            "account_manager" => {
                // Still an active administrator when the change takes effect.
                self.account_manager(ctx, &grant.designee_id.to_string())
                    .await?;
                ("org.account_manager_changed", Apply::AccountManager)
            }
            "group" => {
                let group = self
                    .msp_group(ctx, grant.designee_id)
                    .await?
                    .ok_or(TenantError::Missing("user group"))?;
                // Only those already in the group when the grant was proposed: one added
                // since waits for a third administrator (approve_group_member).
                let members = group
                    .members
                    .into_iter()
                    .filter_map(|m| Some((Uuid::try_parse(&m.id).ok()?, m.username)))
                    .filter(|(id, _)| {
                        grant
                            .proposed_members
                            .as_ref()
                            .is_none_or(|proposed| proposed.contains(id))
                    })
                    .collect();
                ("org_access.approved", Apply::Members(members))
            }
            _ => ("org_access.approved", Apply::Nothing),
        };
        self.set_status(
            ctx,
            &grant,
            &["pending"],
            "approved",
            operation,
            note,
            apply,
        )
        .await
    }

    /// Lets a member added to a granted group since the grant was approved into the org:
    /// an MSPOrg administrator who is neither the member, nor in the group, nor whoever
    /// added them approves.
    pub async fn approve_group_member(
        &self,
        ctx: &RequestContext,
        id: &str,
        member: &str,
    ) -> Result<GrantRow, TenantError> {
        self.require_msp_admin(ctx)?;
        let grant = self.grant_for_change(id).await?;
        if grant.designee_kind != "group" || grant.status != "approved" {
            return Err(TenantError::Conflict(
                "only an approved grant to a user group has members to approve".into(),
            ));
        }
        let member = Uuid::try_parse(member.trim()).map_err(|_| TenantError::NotFound)?;
        let me = ctx.user().0;
        if member == me {
            return Err(TenantError::PermissionDenied(
                "a member cannot approve their own access".into(),
            ));
        }
        let group = self
            .msp_group(ctx, grant.designee_id)
            .await?
            .ok_or(TenantError::Missing("user group"))?;
        if group.members.iter().any(|m| m.id == me.to_string()) {
            return Err(TenantError::PermissionDenied(format!(
                "members of {} cannot approve its members' access",
                group.name
            )));
        }
        let user = group
            .members
            .iter()
            .find(|m| m.id == member.to_string())
            .ok_or_else(|| {
                TenantError::InvalidInput(format!("that user is not a member of {}", group.name))
            })?;
        if user.added_to_group_by == me.to_string() {
            return Err(TenantError::PermissionDenied(format!(
                "you added {} to {}; another administrator must approve their access",
                user.username, group.name
            )));
        }
        let mut tx = self.db.begin(self.msp_org).await?;
        let added = sqlx::query(
            "INSERT INTO public.org_access_members (grant_id, user_id, username, approved_by_name)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(grant.id)
        .bind(member)
        .bind(&user.username)
        .bind(ctx.username())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if added == 0 {
            return Err(TenantError::Conflict(format!(
                "{} may use this grant already",
                user.username
            )));
        }
        let event = self
            .grant_event(
                ctx,
                "org_access.member_approved",
                grant.id,
                &grant.org_slug,
                &grant.designee_name,
            )
            .with_details(json!({
                "org_id": grant.org_id, "org": grant.org_slug, "group": grant.designee_name,
                "member_id": member, "member": user.username,
            }));
        self.commit_events(tx, &[event]).await?;
        Ok(grant)
    }

    /// The org's approved grants to users and groups.
    pub async fn approved_grants_of(&self, org: OrgId) -> Result<Vec<GrantRow>, TenantError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {GRANT_COLUMNS} WHERE g.org_id = $1 AND g.status = 'approved'
                 AND g.designee_kind IN ('user', 'group')
             ORDER BY g.designee_kind, g.designee_name"
        )))
        .bind(org.0)
        .fetch_all(self.db.global())
        .await?)
    }

    /// The members a group grant lets in (id, username, approved by, when); `None` for a
    /// grant approved before members were recorded (every member is let in).
    pub async fn approved_members(
        &self,
        grant: Uuid,
    ) -> Result<Option<Vec<(Uuid, String, String, DateTime<Utc>)>>, TenantError> {
        let known: bool =
            sqlx::query_scalar("SELECT members_known FROM public.org_access_grants WHERE id = $1")
                .bind(grant)
                .fetch_one(self.db.global())
                .await?;
        if !known {
            return Ok(None);
        }
        Ok(Some(
            sqlx::query_as(
                "SELECT user_id, username, approved_by_name, approved_at
                 FROM public.org_access_members WHERE grant_id = $1 ORDER BY username",
            )
            .bind(grant)
            .fetch_all(self.db.global())
            .await?,
        ))
    }

    /// Ends a pending or approved grant; any MSPOrg administrator may.
    pub async fn revoke_org_access(
        &self,
        ctx: &RequestContext,
        id: &str,
        note: &str,
    ) -> Result<GrantRow, TenantError> {
        self.require_msp_admin(ctx)?;
        let grant = self.grant_for_change(id).await?;
        if !matches!(grant.status.as_str(), "pending" | "approved") {
            return Err(TenantError::Conflict(format!(
                "this grant is already {}",
                grant.status
            )));
        }
        if grant.designee_kind == "account_manager" && grant.status == "approved" {
            return Err(TenantError::Conflict(
                "this account manager change was applied; propose another to change it again"
                    .into(),
            ));
        }
        self.set_status(
            ctx,
            &grant,
            &["pending", "approved"],
            "revoked",
            "org_access.revoked",
            note,
            Apply::Nothing,
        )
        .await
    }

    /// Grants by org, designee or status. MSPOrg administrators see every grant; other MSPOrg
    /// users only their own and their groups'.
    pub async fn list_org_access(
        &self,
        ctx: &RequestContext,
        filter: &GrantFilter,
    ) -> Result<Vec<GrantRow>, TenantError> {
        if ctx.org() != self.msp_org || ctx.claims.home.is_some() {
            return Err(TenantError::NotFound);
        }
        let visible: Option<Vec<Uuid>> = if ctx.can(Permission::OrgsManage) {
            None
        } else {
            let mut mine = self.own_groups(ctx).await?;
            mine.push(ctx.user().0);
            Some(mine)
        };
        if let Some(status) = &filter.status
            && !matches!(
                status.as_str(),
                "pending" | "approved" | "rejected" | "revoked"
            )
        {
            return Err(TenantError::InvalidInput(
                "status must be pending, approved, rejected or revoked".into(),
            ));
        }
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {GRANT_COLUMNS}
             WHERE ($1::uuid IS NULL OR g.org_id = $1)
               AND ($2::uuid IS NULL OR g.designee_id = $2)
               AND ($3::text IS NULL OR g.status = $3)
               AND ($4::uuid IS NULL OR (g.approver_id = $4 AND g.status = 'pending'))
               AND ($5::uuid[] IS NULL OR g.designee_id = ANY($5))
             ORDER BY g.proposed_at DESC, g.id"
        )))
        .bind(filter.org)
        .bind(filter.designee)
        .bind(filter.status.as_deref())
        .bind(filter.awaiting_me.then_some(ctx.user().0))
        .bind(visible)
        .fetch_all(self.db.global())
        .await?;
        Ok(rows)
    }

    /// Whether an approved grant lets this MSPOrg user (directly or through one of their
    /// groups) into `target`. Groups are asked of identity only when the org has group grants.
    pub async fn has_approved_grant(
        &self,
        ctx: &RequestContext,
        target: OrgId,
    ) -> Result<bool, TenantError> {
        let (direct, group_grants): (bool, bool) = sqlx::query_as(
            "SELECT
                EXISTS (SELECT 1 FROM org_access_grants WHERE org_id = $1 AND status = 'approved'
                        AND designee_kind = 'user' AND designee_id = $2),
                EXISTS (SELECT 1 FROM org_access_grants WHERE org_id = $1 AND status = 'approved'
                        AND designee_kind = 'group')",
        )
        .bind(target.0)
        .bind(ctx.user().0)
        .fetch_one(self.db.global())
        .await?;
        if direct || !group_grants {
            return Ok(direct);
        }
        let groups = self.own_groups(ctx).await?;
        // A member added since the grant was approved waits for a third administrator.
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM org_access_grants g WHERE org_id = $1
                AND status = 'approved' AND designee_kind = 'group' AND designee_id = ANY($2)
                AND (NOT members_known OR EXISTS (SELECT 1 FROM org_access_members m
                                                  WHERE m.grant_id = g.id AND m.user_id = $3)))",
        )
        .bind(target.0)
        .bind(&groups)
        .bind(ctx.user().0)
        .fetch_one(self.db.global())
        .await?)
    }

    async fn grant(&self, id: Uuid) -> Result<GrantRow, TenantError> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {GRANT_COLUMNS} WHERE g.id = $1"
        )))
        .bind(id)
        .fetch_optional(self.db.global())
        .await?
        .ok_or(TenantError::Missing("org access grant"))
    }

    async fn grant_for_change(&self, id: &str) -> Result<GrantRow, TenantError> {
        let id =
            Uuid::try_parse(id.trim()).map_err(|_| TenantError::Missing("org access grant"))?;
        self.grant(id).await
    }

    /// Moves a grant from one of `from` to `to`, with its event and what it `apply`s,
    /// unless another decision came first.
    #[allow(clippy::too_many_arguments)]
    async fn set_status(
        &self,
        ctx: &RequestContext,
        grant: &GrantRow,
        from: &[&str],
        to: &str,
        operation: &str,
        note: &str,
        apply: Apply,
    ) -> Result<GrantRow, TenantError> {
        let note = note.trim();
        let mut tx = self.db.begin(self.msp_org).await?;
        let changed = sqlx::query(
            "UPDATE public.org_access_grants
             SET status = $2, decided_by_name = $3, decided_at = now(),
                 note = CASE WHEN $4 = '' THEN note ELSE $4 END
             WHERE id = $1 AND status = ANY($5)",
        )
        .bind(grant.id)
        .bind(to)
        .bind(ctx.username())
        .bind(note)
        .bind(from)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(TenantError::Conflict(
                "this request was decided meanwhile; reload it".into(),
            ));
        }
        match &apply {
            Apply::Nothing => {}
            Apply::AccountManager => {
                sqlx::query(
                    "UPDATE public.account_managers SET user_id = $2, username = $3,
                         assigned_at = now()
                     WHERE org_id = $1",
                )
                .bind(grant.org_id)
                .bind(grant.designee_id)
                .bind(&grant.designee_name)
                .execute(&mut *tx)
                .await?;
            }
            Apply::Members(members) => {
                sqlx::query(
                    "UPDATE public.org_access_grants SET members_known = true WHERE id = $1",
                )
                .bind(grant.id)
                .execute(&mut *tx)
                .await?;
                for (user, username) in members {
                    sqlx::query(
                        "INSERT INTO public.org_access_members
                             (grant_id, user_id, username, approved_by_name)
                         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    )
                    .bind(grant.id)
                    .bind(user)
                    .bind(username)
                    .bind(ctx.username())
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        let event = self
            .grant_event(
                ctx,
                operation,
                grant.id,
                &grant.org_slug,
                &grant.designee_name,
            )
            .with_details(json!({
                "org_id": grant.org_id, "org": grant.org_slug,
                "designee_kind": grant.designee_kind, "designee_id": grant.designee_id,
                "designee": grant.designee_name, "status": to,
            }));
        self.commit_events(tx, &[event]).await?;
        self.grant(grant.id).await
    }

    fn grant_event(
        &self,
        ctx: &RequestContext,
        operation: &str,
        id: Uuid,
        org_slug: &str,
        designee: &str,
    ) -> Event {
        Event::new(
            self.msp_org,
            SERVICE,
            operation,
            strongroom_runtime::actor(ctx),
            Target::new("org_access", id, format!("{designee} → {org_slug}")),
        )
    }

    /// Records `events` in MSPOrg's trail and commits them with the change in `tx`.
    pub async fn commit_events(
        &self,
        mut tx: TenantTx,
        events: &[Event],
    ) -> Result<(), TenantError> {
        for event in events {
            self.outbox.record(&mut tx, event).await?;
        }
        self.outbox.commit(tx).await?;
        Ok(())
    }
}
