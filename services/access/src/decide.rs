//! The decision: who may do what to which row, and the same rule as a listing's filter.
//! Pure: the grants come from `check`, which reads them at the time of use.

use strongroom_core::UserId;
use strongroom_proto::access::Operation;
use uuid::Uuid;

use crate::model::{Covers, Grant, Grantee, GranteeKind, Row, Target, TargetKind};

/// PMP's entitlement model: a password is reachable by its owner or through a share (the
/// user's own, or one of their groups'), at the highest level any of those grants. Being an
/// administrator (of the org or of the MSP) grants nothing by itself.
pub(crate) fn decide(user: UserId, grants: &[Grant], row: &Row, operation: Operation) -> Decision {
    if operation == Operation::Unspecified {
        return Decision::REFUSED;
    }
    if row.owner == user {
        return Decision::OWNER;
    }
    if grants.iter().any(|g| g.allows(row, operation)) {
        Decision::SHARED
    } else {
        Decision::REFUSED
    }
}

impl Grant {
    fn allows(&self, row: &Row, operation: Operation) -> bool {
        let covered = match &self.covers {
            Covers::Account { account, .. } => row.account == Some(*account),
            Covers::Resource(resource) => row.resource == *resource,
            Covers::ResourceGroup { resources, .. } => resources.contains(&row.resource),
            // Resolved by `check` into the resources it covers now before any decision.
            Covers::DynamicGroup { .. } => false,
        };
        if covered {
            // A share for use without seeing lets a person see the row, never its password
            // (`check` clears the flag for an application's API key).
            return self.level.allows(operation)
                && !(self.use_only && operation == Operation::Reveal);
        }
        // The resource that holds a shared account is seen (so is the account in it), and
        // nothing more is allowed on it.
        operation == Operation::View
            && row.account.is_none()
            && matches!(self.covers, Covers::Account { resource, .. } if resource == row.resource)
    }
}

impl Covers {
    /// The resource group a group's share is of.
    pub(crate) fn group(&self) -> Option<Uuid> {
        match self {
            Covers::ResourceGroup { group, .. } | Covers::DynamicGroup { group, .. } => {
                Some(*group)
            }
            Covers::Account { .. } | Covers::Resource(_) => None,
        }
    }
}

/// Whether a share to `grantee` reaches `user`, a member of `groups`.
pub(crate) fn reaches(grantee: Grantee, user: UserId, groups: &[Uuid]) -> bool {
    match grantee.kind {
        GranteeKind::User => grantee.id == user.0,
        GranteeKind::UserGroup => groups.contains(&grantee.id),
    }
}

/// Whether `user` may share `target` and see or end its shares: its owner, or a holder of
/// Full access to it (for a group: to the group itself).
pub(crate) fn may_share(user: UserId, grants: &[Grant], target: &Target) -> bool {
    if target.owner == user {
        return true;
    }
    match (target.at.kind, target.resource) {
        (TargetKind::Account, Some(resource)) => {
            let row = Row {
                resource,
                account: Some(target.at.id),
                owner: target.owner,
            };
            decide(user, grants, &row, Operation::Manage).allowed
        }
        (TargetKind::Resource, Some(resource)) => {
            let row = Row {
                resource,
                account: None,
                owner: target.owner,
            };
            decide(user, grants, &row, Operation::Manage).allowed
        }
        (TargetKind::ResourceGroup, _) => grants
            .iter()
            .any(|g| g.level.allows(Operation::Manage) && g.covers.group() == Some(target.at.id)),
        _ => false,
    }
}

/// The rows `decide` allows `user` `operation` on, as the filter a listing applies: rows
/// they own, resources shared with them (directly or in a group), accounts shared with
/// them. The listing also shows a resource that holds a listed account.
pub(crate) fn scope(user: UserId, grants: &[Grant], operation: Operation) -> Scope {
    if operation == Operation::Unspecified {
        return Scope::default();
    }
    let mut scope = Scope {
        owners: vec![user],
        ..Scope::default()
    };
    let reaches =
        |g: &&Grant| g.level.allows(operation) && !(g.use_only && operation == Operation::Reveal);
    for grant in grants.iter().filter(reaches) {
        match &grant.covers {
            Covers::Account { account, .. } => scope.accounts.push(*account),
            Covers::Resource(resource) => scope.resources.push(*resource),
            Covers::ResourceGroup { resources, .. } => scope.resources.extend(resources),
            Covers::DynamicGroup { .. } => {}
        }
    }
    scope.resources.sort_unstable();
    scope.resources.dedup();
    scope.accounts.sort_unstable();
    scope.accounts.dedup();
    scope
}

/// An answer, and whether it rests on ownership alone (the vault's row): an owner's rights
/// hold for every row they own, while a share may end at any time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) allowed: bool,
    pub(crate) as_owner: bool,
}

impl Decision {
    pub(crate) const OWNER: Self = Self {
        allowed: true,
        as_owner: true,
    };
    pub(crate) const SHARED: Self = Self {
        allowed: true,
        as_owner: false,
    };
    pub(crate) const REFUSED: Self = Self {
        allowed: false,
        as_owner: false,
    };
}

/// The rows a listing may show: those these users own, and these resources and accounts.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    pub(crate) owners: Vec<UserId>,
    pub(crate) resources: Vec<Uuid>,
    pub(crate) accounts: Vec<Uuid>,
}

#[cfg(test)]
mod tests;
