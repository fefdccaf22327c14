//! Users, ownership transfers, and importing users (from a CSV file or the directory).

use serde::{Deserialize, Serialize};
use strongroom_proto::identity as pb;
use utoipa::{IntoParams, ToSchema};

use super::or_null;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only users whose username, name or email contains this.
    #[serde(default)]
    pub q: String,
}

/// A local user to add.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(example = "alice")]
    pub username: String,
    #[serde(default)]
    pub full_name: String,
    #[schema(example = "alice@acme.test")]
    pub email: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub location: String,
    /// A built-in role (`administrator`, `password_administrator`, `password_auditor`,
    /// `password_user`) or a custom one.
    #[schema(example = "password_user")]
    pub role: String,
    /// A one-time first password, which the user replaces at the first login. Leave it out
    /// where the org has a mail server: a one-time password then goes to the user by mail,
    /// and no administrator ever sees it (a password given there is refused). Required
    /// where the org has no mail server.
    #[serde(default)]
    #[schema(format = Password)]
    pub password: Option<String>,
}

/// Only the fields present change; unknown ones (a username, say) are refused, not ignored.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChanges {
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub role: Option<String>,
    /// `active` or `disabled`.
    pub status: Option<String>,
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<User>,
}

/// A user of the org.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub department: String,
    pub location: String,
    pub role: String,
    /// `active` or `disabled`.
    pub status: String,
    /// How the user came: `local`, `csv`, `ldap` or `active_directory`.
    pub source: String,
    pub created_at: String,
    /// Set while failed logins lock the user out.
    #[schema(required = true)]
    pub locked_until: Option<String>,
    /// The directory entry of a user imported from the directory.
    #[schema(required = true)]
    pub directory_dn: Option<String>,
}

impl From<pb::User> for User {
    fn from(u: pb::User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            full_name: u.full_name,
            email: u.email,
            department: u.department,
            location: u.location,
            role: u.role,
            status: u.status,
            source: u.source,
            created_at: u.created_at,
            locked_until: or_null(u.locked_until),
            directory_dn: or_null(u.directory_dn),
        }
    }
}

impl From<Vec<pb::User>> for UserList {
    fn from(users: Vec<pb::User>) -> Self {
        Self {
            users: users.into_iter().map(User::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoveQuery {
    /// Who takes over the resources the user owns (another active user of the org).
    #[serde(default)]
    pub transfer_to: String,
}

#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOwner {
    /// Another active user of the org.
    pub to_user_id: String,
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct TransferList {
    pub transfers: Vec<Transfer>,
}

/// A transfer of every resource one user owns to another.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Transfer {
    pub id: String,
    pub from_user_id: String,
    pub from_username: String,
    pub to_user_id: String,
    pub to_username: String,
    pub requested_by: String,
    /// The user is deleted once the transfer is approved.
    pub delete_user: bool,
    /// `pending`, `done` or `rejected`.
    pub status: String,
    /// Resources that moved (once done).
    pub resources: u32,
    pub requested_at: String,
    #[schema(required = true)]
    pub decided_by: Option<String>,
    #[schema(required = true)]
    pub decided_at: Option<String>,
}

impl From<pb::OwnershipTransfer> for Transfer {
    fn from(t: pb::OwnershipTransfer) -> Self {
        Self {
            id: t.id,
            from_user_id: t.from_user_id,
            from_username: t.from_username,
            to_user_id: t.to_user_id,
            to_username: t.to_username,
            requested_by: t.requested_by,
            delete_user: t.delete_user,
            status: t.status,
            resources: t.resources,
            requested_at: t.requested_at,
            decided_by: or_null(t.decided_by),
            decided_at: or_null(t.decided_at),
        }
    }
}

impl From<pb::OwnershipTransferList> for TransferList {
    fn from(l: pb::OwnershipTransferList) -> Self {
        Self {
            transfers: l.transfers.into_iter().map(Transfer::from).collect(),
        }
    }
}

/// An administrator's reset of a user's login password that waits for a second
/// administrator (the user owns passwords).
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct PasswordReset {
    pub id: String,
    pub user_id: String,
    pub username: String,
    pub requested_by: String,
    /// `pending`, `done` or `rejected`.
    pub status: String,
    pub requested_at: String,
    #[schema(required = true)]
    pub decided_by: Option<String>,
    #[schema(required = true)]
    pub decided_at: Option<String>,
    /// The one-time password goes to the user by mail (once approved, if pending).
    pub by_mail: bool,
}

impl From<pb::PasswordReset> for PasswordReset {
    fn from(r: pb::PasswordReset) -> Self {
        Self {
            id: r.id,
            user_id: r.user_id,
            username: r.username,
            requested_by: r.requested_by_name,
            status: r.status,
            requested_at: r.requested_at,
            decided_by: or_null(r.decided_by_name),
            decided_at: or_null(r.decided_at),
            by_mail: r.by_mail,
        }
    }
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct PasswordResetList {
    pub resets: Vec<PasswordReset>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct NewPassword {
    /// A one-time password. Leave it out where the org has a mail server: a one-time
    /// password then goes to the user by mail, unseen by any administrator (a password
    /// given there is refused). Required where the org has no mail server.
    #[serde(default)]
    #[schema(format = Password)]
    pub password: Option<String>,
}

/// Sessions ended.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct RevokedCount {
    pub revoked: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Add nobody unless every row can be added.
    #[serde(default)]
    pub all_or_nothing: bool,
}

/// The CSV file as JSON, in place of sending it as the raw body.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportUsersBody {
    /// Header row `username,email[,full_name,department,location,role]`, then a user a row.
    #[schema(example = "username,email\nbob,bob@acme.test\n")]
    pub csv: String,
    /// Add nobody unless every row can be added.
    #[serde(default)]
    pub all_or_nothing: bool,
}

/// The outcome of an import, row by row.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub rows: Vec<ImportRow>,
    pub created: u32,
    pub skipped: u32,
    pub rejected: u32,
    /// Nothing was added (`all_or_nothing` and a row rejected).
    pub rolled_back: bool,
    pub warnings: Vec<String>,
    /// User groups made for the directory's OUs and groups.
    pub groups_created: Vec<String>,
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ImportRow {
    /// The row's line in the file (from 1; 0 for directory imports).
    pub line: u32,
    pub username: String,
    /// `created`, `skipped` or `rejected`.
    pub outcome: String,
    /// Why a row was skipped or rejected.
    #[schema(required = true)]
    pub reason: Option<String>,
}

impl From<pb::ImportUsersResponse> for ImportReport {
    fn from(r: pb::ImportUsersResponse) -> Self {
        Self {
            rows: r
                .rows
                .into_iter()
                .map(|row| ImportRow {
                    line: row.line,
                    username: row.username,
                    outcome: row.outcome,
                    reason: or_null(row.reason),
                })
                .collect(),
            created: r.created,
            skipped: r.skipped,
            rejected: r.rejected,
            rolled_back: r.rolled_back,
            warnings: r.warnings,
            groups_created: r.groups_created,
        }
    }
}
