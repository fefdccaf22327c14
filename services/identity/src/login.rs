//! Logging in: throttle → first factor (local password or directory bind) → [second factor,
//! to come with MFA] → session. Unknown, disabled and locked users all get the same answer
//! as a wrong password, after the same work.

use secrecy::SecretString;
use strongroom_auth::RequestContext;
use strongroom_core::OrgId;
use strongroom_events::{Actor, Event, Target};
use strongroom_proto::tenant::CheckOrgAccessRequest;
use strongroom_tenancy::{TenancyError, TenantTx};

use crate::app::{Identity, Origin, SERVICE};
use crate::error::IdentityError;
use crate::policy::LoginSettings;
use crate::sessions::IssuedToken;
use crate::store::{self, UserRow};

/// How the first factor was proven, as the token's `amr` says.
const AMR_PASSWORD: &str = "password";
const AMR_DIRECTORY: &str = "ldap";

fn login_event(
    org: OrgId,
    operation: &str,
    username: &str,
    user: Option<&UserRow>,
    origin: &Origin,
) -> Event {
    let actor = Actor {
        user_id: user.map(|u| strongroom_core::UserId(u.id)),
        username: username.to_owned(),
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
    };
    let target = user.map_or_else(Target::default, |u| Target::new("user", u.id, &u.username));
    Event::new(org, SERVICE, operation, actor, target)
}

impl Identity {
    pub async fn login(
        &self,
        org: OrgId,
        username: &str,
        password: SecretString,
        origin: &Origin,
    ) -> Result<IssuedToken, IdentityError> {
        if let Some(wait) = self.guard.ip_wait(origin.ip.as_deref()).await? {
            return Err(IdentityError::TooManyAttempts(wait));
        }
        let mut tx = match self.db.begin(org).await {
            Ok(tx) => tx,
            // As a failed login at a real org: same cost, same answer, and the address's
            // failures count the same.
            Err(TenancyError::UnknownOrg(_)) => {
                self.hasher.verify(password, None).await?;
                let address_only = crate::guard::LockoutRule {
                    threshold: 0,
                    minutes: 1,
                };
                self.guard
                    .record_failure(org, username, origin.ip.as_deref(), address_only)
                    .await?;
                return Err(IdentityError::InvalidCredentials);
            }
            Err(e) => return Err(e.into()),
        };
        let settings = store::load_login_settings(&mut tx).await?;
        let user = store::find_user_by_username(&mut tx, username).await?;
        let locked = self.guard.locked_until(org, username).await?.is_some();
        let amr = match user.as_ref().filter(|u| u.is_active() && !locked) {
            Some(u) => self.first_factor(&mut tx, org, u, password).await?,
            None => {
                // Same cost as a real check, so timing tells nothing.
                self.hasher.verify(password, None).await?;
                None
            }
        };
        let Some(amr) = amr else {
            return Err(self
                .failed_login(tx, org, username, user.as_ref(), origin, &settings)
                .await);
        };
        let Some(user) = user else {
            return Err(IdentityError::InvalidCredentials);
        };
        // A second factor will slot in here: first factor → second factor → session.
        self.guard.record_success(org, username).await?;
        if amr == AMR_PASSWORD && password_expired(&user, &settings) {
            let expired = login_event(org, "login.password_expired", username, Some(&user), origin);
            self.commit(tx, &[expired]).await?;
            return Err(IdentityError::PasswordExpired);
        }
        if amr == AMR_PASSWORD && user.must_change_password {
            let reset = login_event(
                org,
                "login.password_change_required",
                username,
                Some(&user),
                origin,
            );
            self.commit(tx, &[reset]).await?;
            return Err(IdentityError::PasswordSetByAdministrator);
        }
        let session = crate::sessions::open(
            &mut tx,
            user.id,
            amr,
            origin,
            settings.session_secs(self.session_ttl_secs),
        )
        .await?;
        store::record_login(&mut tx, user.id).await?;
        let issued = self
            .sign_for(&mut tx, org, &user, amr, Some(session))
            .await?;
        let succeeded = login_event(org, "login.succeeded", username, Some(&user), origin)
            .with_details(serde_json::json!({ "method": amr }));
        self.commit(tx, &[succeeded]).await?;
        Ok(issued)
    }

    /// The proven method, or `None` for a wrong password.
    async fn first_factor(
        &self,
        tx: &mut TenantTx,
        org: OrgId,
        user: &UserRow,
        password: SecretString,
    ) -> Result<Option<&'static str>, IdentityError> {
        if user.is_directory_user()
            && let Some(directory) = self.directory_for_login(tx, org).await?
        {
            let found = directory.authenticate(&user.username, &password).await?;
            return Ok(found.is_some().then_some(AMR_DIRECTORY));
        }
        let ok = self
            .hasher
            .verify(password, user.password_hash.clone())
            .await?;
        Ok(ok.then_some(AMR_PASSWORD))
    }

    /// Counts and audits a failed login; returns the error to answer with.
    async fn failed_login(
        &self,
        tx: TenantTx,
        org: OrgId,
        username: &str,
        user: Option<&UserRow>,
        origin: &Origin,
        settings: &LoginSettings,
    ) -> IdentityError {
        let recorded = async {
            let locked_now = self
                .guard
                .record_failure(org, username, origin.ip.as_deref(), settings.lockout())
                .await?;
            let mut events = vec![login_event(org, "login.failed", username, user, origin)];
            if locked_now && let Some(u) = user {
                events.push(
                    login_event(org, "user.locked", username, Some(u), origin)
                        .with_details(serde_json::json!({ "minutes": settings.lockout_minutes,
                                            "failures": settings.lockout_threshold })),
                );
            }
            self.commit(tx, &events).await
        };
        match recorded.await {
            Ok(()) => IdentityError::InvalidCredentials,
            Err(e) => e,
        }
    }

    /// A local user changes their own password, proving the current one (works when it
    /// has expired, which is when it is needed most).
    pub async fn change_password(
        &self,
        org: OrgId,
        username: &str,
        current: SecretString,
        new: SecretString,
        origin: &Origin,
    ) -> Result<(), IdentityError> {
        if let Some(wait) = self.guard.ip_wait(origin.ip.as_deref()).await? {
            return Err(IdentityError::TooManyAttempts(wait));
        }
        let mut tx = self
            .begin_or(org, IdentityError::InvalidCredentials)
            .await?;
        let settings = store::load_login_settings(&mut tx).await?;
        let user = store::find_user_by_username(&mut tx, username).await?;
        let locked = self.guard.locked_until(org, username).await?.is_some();
        let usable = user
            .as_ref()
            .filter(|u| u.is_active() && !locked && !u.is_directory_user());
        let ok = self
            .hasher
            .verify(current, usable.and_then(|u| u.password_hash.clone()))
            .await?;
        let (Some(user), true) = (usable, ok) else {
            return Err(self
                .failed_login(tx, org, username, user.as_ref(), origin, &settings)
                .await);
        };
        let hash = self.acceptable_hash(&mut tx, Some(user.id), new).await?;
        store::set_password(&mut tx, user.id, &hash, false).await?;
        // Their own now: no mail may make a one-time password for them any more.
        store::close_mailed_passwords(&mut tx, user.id).await?;
        let changed = login_event(org, "user.password_changed", username, Some(user), origin);
        self.commit(tx, &[changed]).await
    }

    /// Scopes an MSP user's token to a client org they manage. Anything else is "not
    /// found", so a client org's users cannot learn which other orgs exist.
    pub async fn exchange_token(
        &self,
        ctx: &RequestContext,
        target: OrgId,
    ) -> Result<IssuedToken, IdentityError> {
        if target == ctx.org() {
            return Ok(IssuedToken {
                token: ctx.token().to_owned(),
                claims: ctx.claims.clone(),
                session: None,
            });
        }
        if ctx.org() != self.msp_org || ctx.claims.home.is_some() {
            return Err(IdentityError::NotFound("org"));
        }
        let access = self
            .tenant
            .clone()
            .check_org_access(strongroom_auth::outgoing(
                ctx,
                CheckOrgAccessRequest {
                    target_org_id: target.to_string(),
                },
            ))
            .await
            .map_err(IdentityError::Tenant)?
            .into_inner();
        if !access.allowed {
            return Err(IdentityError::NotFound("org"));
        }
        // Same session, user and issue time: ending the session or the user ends this too.
        let mut claims = ctx.claims.clone();
        claims.home = Some(ctx.org());
        claims.org = target;
        // What the client org does not let MSP staff do, refused naming its setting.
        claims.msp_denied = access.msp_denied;
        let token = self.signer.sign(&claims)?;
        Ok(IssuedToken {
            token,
            claims,
            session: None,
        })
    }
}

fn password_expired(user: &UserRow, settings: &LoginSettings) -> bool {
    settings.max_age_days > 0
        && user.password_changed_at.is_some_and(|at| {
            at + chrono::Duration::days(i64::from(settings.max_age_days)) < chrono::Utc::now()
        })
}
