//! Who may export passwords. A role's `passwords.export` allows it; the org's export rules
//! turn it on or off for particular users and user groups. A rule for the user decides;
//! otherwise the rules of the user's groups (a denial among them wins over an allowance);
//! otherwise the role.

use strongroom_auth::{AuthError, RequestContext, outgoing};
use strongroom_core::Permission;
use strongroom_events::Target;
use strongroom_proto::identity::{GroupRef, UserRef};
use uuid::Uuid;

use crate::app::{Vault, event, owner};
use crate::error::VaultError;
use crate::store::{self, ExportRuleRow};

/// Whom a rule is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    User(Uuid),
    Group(Uuid),
}

impl Principal {
    /// From a request's kind (`user` or `group`) and id.
    pub fn parse(kind: &str, id: &str) -> Result<Self, VaultError> {
        let id = Uuid::parse_str(id.trim())
            .map_err(|_| VaultError::InvalidInput(format!("{id:?} is not a {kind} id")))?;
        match kind {
            "user" => Ok(Self::User(id)),
            "group" => Ok(Self::Group(id)),
            other => Err(VaultError::InvalidInput(format!(
                "an export rule is for a user or a group, not {other:?}"
            ))),
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Group(_) => "group",
        }
    }

    pub fn id(self) -> Uuid {
        match self {
            Self::User(id) | Self::Group(id) => id,
        }
    }
}

/// Why an export is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No rule applies and the role lacks `passwords.export`.
    Role,
    /// A rule for the user turns it off.
    User,
    /// A rule for one of the user's groups turns it off.
    Group(Uuid),
}

/// Whether `user`, a member of `groups`, may export under `rules`, their role allowing it
/// or not.
pub fn may_export(
    rules: &[(Principal, bool)],
    user: Uuid,
    groups: &[Uuid],
    role_allows: bool,
) -> Result<(), Refusal> {
    if let Some((_, allowed)) = rules.iter().find(|(p, _)| *p == Principal::User(user)) {
        return if *allowed { Ok(()) } else { Err(Refusal::User) };
    }
    let of_groups = rules.iter().filter_map(|(p, allowed)| match p {
        Principal::Group(g) if groups.contains(g) => Some((*g, *allowed)),
        _ => None,
    });
    let mut allowed_by_group = false;
    for (group, allowed) in of_groups {
        if !allowed {
            return Err(Refusal::Group(group));
        }
        allowed_by_group = true;
    }
    if allowed_by_group || role_allows {
        Ok(())
    } else {
        Err(Refusal::Role)
    }
}

fn rule_of(row: &ExportRuleRow) -> Option<(Principal, bool)> {
    let principal = match row.principal_kind.as_str() {
        "user" => Principal::User(row.principal_id),
        "group" => Principal::Group(row.principal_id),
        _ => return None,
    };
    Some((principal, row.allowed))
}

impl Vault {
    /// Refuses an export the caller may not make, saying why.
    pub async fn require_export(&self, ctx: &RequestContext) -> Result<(), VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let rows = store::list_export_rules(&mut tx).await?;
        tx.commit().await?;
        let rules: Vec<(Principal, bool)> = rows.iter().filter_map(rule_of).collect();
        let user = ctx.user().0;
        // Only the org's own users are in its groups (not MSP staff working in it).
        let groups = if ctx.claims.home.is_none()
            && rules.iter().any(|(p, _)| matches!(p, Principal::Group(_)))
            && !rules.iter().any(|(p, _)| *p == Principal::User(user))
        {
            self.groups_of_caller(ctx).await?
        } else {
            Vec::new()
        };
        match may_export(&rules, user, &groups, ctx.can(Permission::PasswordsExport)) {
            Ok(()) => Ok(()),
            Err(Refusal::Role) => Err(AuthError::Forbidden(Permission::PasswordsExport).into()),
            Err(Refusal::User) => Err(VaultError::Forbidden(
                "the org's export rules turn exporting off for you".into(),
            )),
            Err(Refusal::Group(group)) => Err(VaultError::Forbidden(format!(
                "the org's export rules turn exporting off for your user group {group}"
            ))),
        }
    }

    async fn groups_of_caller(&self, ctx: &RequestContext) -> Result<Vec<Uuid>, VaultError> {
        let groups = self
            .identity
            .clone()
            .list_user_groups(outgoing(
                ctx,
                UserRef {
                    user_id: ctx.user().to_string(),
                },
            ))
            .await
            .map_err(VaultError::Identity)?
            .into_inner()
            .groups;
        Ok(groups
            .iter()
            .filter_map(|g| Uuid::parse_str(&g.id).ok())
            .collect())
    }

    pub async fn list_export_rules(
        &self,
        ctx: &RequestContext,
    ) -> Result<Vec<ExportRuleRow>, VaultError> {
        ctx.require(Permission::VaultSettingsManage)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let rows = store::list_export_rules(&mut tx).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Turns exporting on or off for a user or a user group of the org. Only those who may
    /// export themselves turn it on for others; audited.
    pub async fn save_export_rule(
        &self,
        ctx: &RequestContext,
        principal: Principal,
        allowed: bool,
    ) -> Result<ExportRuleRow, VaultError> {
        ctx.require(Permission::VaultSettingsManage)?;
        ctx.require_signed_in()?;
        if allowed && !ctx.can(Permission::PasswordsExport) {
            return Err(AuthError::CannotGrant(Permission::PasswordsExport).into());
        }
        self.require_principal(ctx, principal).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let row = store::save_export_rule(
            &mut tx,
            principal.kind(),
            principal.id(),
            allowed,
            owner(ctx),
        )
        .await?;
        let saved = event(ctx, "export_rule.saved", target(principal))
            .with_details(serde_json::json!({ "allowed": allowed }));
        self.outbox.record(&mut tx, &saved).await?;
        self.outbox.commit(tx).await?;
        Ok(row)
    }

    /// Removes a user's or group's rule (its members' roles decide again); audited.
    pub async fn delete_export_rule(
        &self,
        ctx: &RequestContext,
        principal: Principal,
    ) -> Result<Vec<ExportRuleRow>, VaultError> {
        ctx.require(Permission::VaultSettingsManage)?;
        ctx.require_signed_in()?;
        let mut tx = self.db.begin(ctx.org()).await?;
        if !store::delete_export_rule(&mut tx, principal.kind(), principal.id()).await? {
            return Err(VaultError::NotFound("export rule"));
        }
        let deleted = event(ctx, "export_rule.deleted", target(principal));
        self.outbox.record(&mut tx, &deleted).await?;
        let rows = store::list_export_rules(&mut tx).await?;
        self.outbox.commit(tx).await?;
        Ok(rows)
    }

    /// A rule may name only an active user or an existing group of the org.
    async fn require_principal(
        &self,
        ctx: &RequestContext,
        principal: Principal,
    ) -> Result<(), VaultError> {
        let mut identity = self.identity.clone();
        let exists = match principal {
            Principal::User(id) => identity
                .check_active_user(outgoing(
                    ctx,
                    UserRef {
                        user_id: id.to_string(),
                    },
                ))
                .await
                .map(|r| r.into_inner().active),
            Principal::Group(id) => identity
                .list_group_members(outgoing(
                    ctx,
                    GroupRef {
                        group_id: id.to_string(),
                    },
                ))
                .await
                .map(|_| true),
        };
        match exists {
            Ok(true) => Ok(()),
            Ok(false) => Err(VaultError::InvalidInput(format!(
                "{} is not an active user of the org",
                principal.id()
            ))),
            Err(status) if status.code() == tonic::Code::NotFound => {
                Err(VaultError::InvalidInput(format!(
                    "there is no {} {} in the org",
                    if principal.kind() == "user" {
                        "user"
                    } else {
                        "user group"
                    },
                    principal.id()
                )))
            }
            Err(status) if status.code() == tonic::Code::PermissionDenied => {
                Err(VaultError::Forbidden(status.message().to_owned()))
            }
            Err(status) => Err(VaultError::Identity(status)),
        }
    }
}

fn target(principal: Principal) -> Target {
    Target::new(
        principal.kind(),
        principal.id(),
        format!("export rule for {} {}", principal.kind(), principal.id()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_users_rule_decides_then_their_groups_then_their_role() {
        let (user, dbas, ops, other) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let groups = [dbas, ops];
        // No rules: the role.
        assert_eq!(may_export(&[], user, &groups, true), Ok(()));
        assert_eq!(may_export(&[], user, &groups, false), Err(Refusal::Role));
        // A group allows what the role does not; another's group changes nothing.
        let dbas_may = [(Principal::Group(dbas), true)];
        assert_eq!(may_export(&dbas_may, user, &groups, false), Ok(()));
        let others_may = [(Principal::Group(other), true)];
        assert_eq!(
            may_export(&others_may, user, &groups, false),
            Err(Refusal::Role)
        );
        // A denial among the groups wins over an allowance, and over the role.
        let mixed = [
            (Principal::Group(dbas), true),
            (Principal::Group(ops), false),
        ];
        assert_eq!(
            may_export(&mixed, user, &groups, true),
            Err(Refusal::Group(ops))
        );
        // The user's own rule decides, whatever the groups and the role.
        let mut with_user = mixed.to_vec();
        with_user.push((Principal::User(user), true));
        assert_eq!(may_export(&with_user, user, &groups, false), Ok(()));
        let user_off = [
            (Principal::User(user), false),
            (Principal::Group(dbas), true),
        ];
        assert_eq!(
            may_export(&user_off, user, &groups, true),
            Err(Refusal::User)
        );
    }

    #[test]
    fn a_principal_is_a_user_or_a_group_by_id() {
        let id = Uuid::now_v7();
        assert_eq!(
            Principal::parse("user", &id.to_string()).unwrap(),
            Principal::User(id)
        );
        assert_eq!(
            Principal::parse("group", &id.to_string()).unwrap(),
            Principal::Group(id)
        );
        assert!(Principal::parse("role", &id.to_string()).is_err());
        assert!(Principal::parse("user", "bob").is_err());
    }
}
