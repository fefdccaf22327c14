//! One-time passwords that go to the user by mail. Where an org has a mail server, a new
//! user's first password and an administrator's reset are never chosen by, nor shown to, an
//! administrator: identity opens a mailed password, and the audit service's sender asks
//! for it (`issue_mailed_password`) when it sends the mail. Only then is the password made,
//! set as the user's one-time password and handed to the sender, which puts it in the mail
//! and keeps it nowhere. A later attempt at the same mail makes a new one. The user's own
//! new password closes the row, so no later call can overwrite it.

use secrecy::SecretString;
use strongroom_auth::{RequestContext, outgoing, random_token};
use strongroom_core::OrgId;
use strongroom_events::Target;
use strongroom_proto::tenant_settings::GetSettingsRequest;
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::app::{Identity, system_event};
use crate::error::IdentityError;
use crate::store;

/// How long a mailed password may still be made: a mail server down for longer than this
/// leaves the user to ask for a new reset.
const VALID_FOR: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// A new user's first password, or a reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailedReason {
    Welcome,
    Reset,
}

impl MailedReason {
    fn as_str(self) -> &'static str {
        match self {
            MailedReason::Welcome => "welcome",
            MailedReason::Reset => "reset",
        }
    }
}

/// How an administrator gives someone else a password: as chosen, or by mail.
pub enum NewPassword {
    Chosen(SecretString),
    ByMail,
}

/// A mailed password made for the mail being sent, and where it goes.
pub struct Issued {
    pub username: String,
    pub email: String,
    pub password: SecretString,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// How an administrator may give a user with the mail address `email` a password: where
/// the org has a mail server (`has_mail`), only by mail (`password` must be left out), so no
/// administrator knows a password of someone else; elsewhere only as chosen.
pub fn new_password(
    password: Option<SecretString>,
    has_mail: bool,
    email: &str,
) -> Result<NewPassword, IdentityError> {
    match (password, has_mail) {
        (Some(_), true) => Err(IdentityError::InvalidInput(
            "this org has a mail server: leave the password out, and the user gets a one-time \
             password by mail that no administrator sees"
                .into(),
        )),
        (None, true) if email.trim().is_empty() => Err(IdentityError::InvalidInput(
            "give the user a mail address first: this org sends passwords by mail".into(),
        )),
        (None, true) => Ok(NewPassword::ByMail),
        (Some(password), false) => Ok(NewPassword::Chosen(password)),
        (None, false) => Err(IdentityError::InvalidInput(
            "this org has no mail server: give a one-time password (the user replaces it at \
             their first login)"
                .into(),
        )),
    }
}

impl Identity {
    /// Whether the caller's org has a mail server.
    pub async fn org_has_mail(&self, ctx: &RequestContext) -> Result<bool, IdentityError> {
        Ok(self
            .settings
            .clone()
            .has_mail_server(outgoing(ctx, GetSettingsRequest {}))
            .await
            .map_err(IdentityError::Tenant)?
            .into_inner()
            .configured)
    }

    /// Opens a mailed password for `user` (any open one is closed); its id, for the event
    /// the mail follows from.
    pub async fn open_mailed_password(
        &self,
        tx: &mut TenantTx,
        user: Uuid,
        reason: MailedReason,
        by: Option<Uuid>,
    ) -> Result<Uuid, IdentityError> {
        let expires_at = chrono::Utc::now() + VALID_FOR;
        Ok(store::open_mailed_password(tx, user, reason.as_str(), by, expires_at).await?)
    }

    /// Makes the mailed password `id` now, for the audit service sending its mail: sets it
    /// as the user's one-time password (chosen by whoever asked for it) and returns it with
    /// the user's address. Refused once the row is closed or expired, or the user is gone,
    /// disabled, or signs in through a directory.
    pub async fn issue_mailed_password(
        &self,
        org: OrgId,
        id: Uuid,
    ) -> Result<Issued, IdentityError> {
        let mut tx = self.db.begin(org).await?;
        let row = store::lock_mailed_password(&mut tx, id)
            .await?
            .ok_or(IdentityError::NotFound("mailed password"))?;
        if row.closed_at.is_some() {
            return Err(IdentityError::Conflict(
                "this one-time password is no longer wanted: the user set their own, or a \
                 newer one was sent"
                    .into(),
            ));
        }
        if row.expires_at <= chrono::Utc::now() {
            return Err(IdentityError::Conflict(
                "this one-time password expired before its mail could go: reset the \
                 password again"
                    .into(),
            ));
        }
        let user = store::find_user(&mut tx, row.user_id)
            .await?
            .filter(|u| u.is_active() && !u.is_directory_user() && !u.email.is_empty())
            .ok_or_else(|| {
                IdentityError::Conflict(
                    "the user is gone, disabled, signs in through the directory or has no \
                     mail address"
                        .into(),
                )
            })?;
        let password = SecretString::from(format!("{}-Aa9", random_token(24)));
        let hash = self.hasher.hash(password.clone()).await?;
        store::set_password(&mut tx, user.id, &hash, true).await?;
        store::require_password_change(&mut tx, user.id, row.requested_by).await?;
        store::mark_mailed_password_issued(&mut tx, id).await?;
        let issued = system_event(
            org,
            "user.password_mailed",
            Target::new("user", user.id, &user.username),
        )
        .with_details(serde_json::json!({ "reason": row.reason, "mailed_password_id": id }));
        self.commit(tx, &[issued]).await?;
        Ok(Issued {
            username: user.username,
            email: user.email,
            password,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(result: Result<NewPassword, IdentityError>) -> String {
        match result {
            Err(IdentityError::InvalidInput(why)) => why,
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn with_a_mail_server_passwords_go_by_mail_and_are_never_chosen() {
        let given = || Some(SecretString::from("Chosen-by-admin-1"));
        assert!(refusal(new_password(given(), true, "a@x.io")).contains("leave the password out"));
        assert!(matches!(
            new_password(None, true, "a@x.io"),
            Ok(NewPassword::ByMail)
        ));
        assert!(refusal(new_password(None, true, " ")).contains("mail address"));
        assert!(matches!(
            new_password(given(), false, ""),
            Ok(NewPassword::Chosen(_))
        ));
        assert!(refusal(new_password(None, false, "a@x.io")).contains("no mail server"));
    }

    #[test]
    fn an_issued_password_never_shows_in_debug_output() {
        let issued = Issued {
            username: "rita".into(),
            email: "rita@x.io".into(),
            password: SecretString::from("Secret-one-time-1"),
        };
        let shown = format!("{issued:?}");
        assert!(
            shown.contains("rita") && !shown.contains("Secret-one-time"),
            "{shown}"
        );
    }
}
