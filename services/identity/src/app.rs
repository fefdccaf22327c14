//! Identity use cases.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use strongroom_auth::{Claims, PasswordHasher, RequestContext, Signer};
use strongroom_core::{OrgId, Role, UserId};
use strongroom_events::{Actor, Event, Outbox, Target};
use strongroom_proto::tenant::CheckOrgAccessRequest;
use strongroom_proto::tenant::tenant_client::TenantClient;
use strongroom_tenancy::{TenancyError, TenantDb};
use tonic::transport::Channel;
use uuid::Uuid;

use crate::error::{IdentityError, is_unique_violation};
use crate::store::{self, NewUser, UserRow};

const SERVICE: &str = "identity";
const API_KEY_PREFIX: &str = "srk_";
const API_KEY_TOKEN_TTL_SECS: i64 = 5 * 60;
const MIN_PASSWORD_LEN: usize = 8;

pub struct Identity {
    pub db: TenantDb,
    pub outbox: Outbox,
    pub signer: Signer,
    pub hasher: PasswordHasher,
    pub tenant: TenantClient<Channel>,
    pub msp_org: OrgId,
    pub token_ttl_secs: i64,
}

pub struct IssuedToken {
    pub token: String,
    pub claims: Claims,
}

pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Identity {
    /// Creates `admin` in MSPOrg on first start.
    pub async fn bootstrap_admin(
        &self,
        org: OrgId,
        password: Option<SecretString>,
    ) -> Result<(), IdentityError> {
        let mut tx = self.db.begin(org).await?;
        if store::find_user_by_username(&mut tx, "admin")
            .await?
            .is_some()
        {
            return Ok(());
        }
        let password = match password {
            Some(p) => p,
            None => {
                let generated = random_token(18);
                // Shown once, as the first start's only way to sign in.
                println!("strongroom: generated password for MSPOrg user admin: {generated}");
                SecretString::from(generated)
            }
        };
        let hash = self.hasher.hash(password).await?;
        let user = store::create_user(
            &mut tx,
            &NewUser {
                id: UserId::new().0,
                username: "admin",
                email: "admin@localhost",
                role: Role::Administrator.as_str(),
                password_hash: &hash,
            },
        )
        .await?;
        let event = Event::new(
            org,
            SERVICE,
            "user.created",
            Actor {
                username: "system".into(),
                ..Actor::default()
            },
            Target::new("user", user.id, &user.username),
        );
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(())
    }

    pub async fn login(
        &self,
        org: OrgId,
        username: &str,
        password: SecretString,
        origin: Origin,
    ) -> Result<IssuedToken, IdentityError> {
        let mut tx = match self.db.begin(org).await {
            Ok(tx) => tx,
            Err(TenancyError::UnknownOrg(_)) => return Err(IdentityError::InvalidCredentials),
            Err(e) => return Err(e.into()),
        };
        let user = store::find_user_by_username(&mut tx, username).await?;
        let active = user.as_ref().filter(|u| u.status == "active");
        let stored = active.and_then(|u| u.password_hash.clone());
        let ok = self.hasher.verify(password, stored).await?;
        let actor = Actor {
            user_id: user.as_ref().map(|u| UserId(u.id)),
            username: username.to_owned(),
            ip: origin.ip,
            user_agent: origin.user_agent,
        };
        let (Some(user), true) = (active, ok) else {
            let event = Event::new(org, SERVICE, "login.failed", actor, Target::default());
            self.outbox.record(&mut tx, &event).await?;
            self.outbox.commit(tx).await?;
            return Err(IdentityError::InvalidCredentials);
        };
        let issued = self.issue(org, user, "password", self.token_ttl_secs)?;
        let event = Event::new(
            org,
            SERVICE,
            "login.succeeded",
            actor,
            Target::new("user", user.id, &user.username),
        );
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(issued)
    }

    /// Turns an API key (`srk_<id>_<secret>`) into a short-lived token of its user.
    pub async fn authenticate_api_key(
        &self,
        org: OrgId,
        key: &str,
    ) -> Result<IssuedToken, IdentityError> {
        let (id, secret) = key
            .strip_prefix(API_KEY_PREFIX)
            .and_then(|rest| rest.split_once('_'))
            .and_then(|(id, secret)| Uuid::try_parse(id).ok().map(|id| (id, secret)))
            .ok_or(IdentityError::InvalidApiKey)?;
        let mut tx = match self.db.begin(org).await {
            Ok(tx) => tx,
            Err(TenancyError::UnknownOrg(_)) => return Err(IdentityError::InvalidApiKey),
            Err(e) => return Err(e.into()),
        };
        let owner = store::find_usable_api_key(&mut tx, id).await?;
        tx.commit().await?;
        let owner = owner.ok_or(IdentityError::InvalidApiKey)?;
        if !constant_time_eq(&owner.secret_hash, &Sha256::digest(secret.as_bytes())) {
            return Err(IdentityError::InvalidApiKey);
        }
        let role = parse_stored_role(&owner.role)?;
        let claims = Claims::new(
            UserId(owner.user_id),
            org,
            &owner.username,
            vec![role],
            API_KEY_TOKEN_TTL_SECS,
            "api_key",
        );
        let token = self.signer.sign(&claims)?;
        Ok(IssuedToken { token, claims })
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
            });
        }
        if ctx.org() != self.msp_org || ctx.claims.home.is_some() {
            return Err(IdentityError::NotFound);
        }
        let allowed = self
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
            .into_inner()
            .allowed;
        if !allowed {
            return Err(IdentityError::NotFound);
        }
        let mut claims = ctx.claims.clone();
        claims.home = Some(ctx.org());
        claims.org = target;
        claims.iat = chrono::Utc::now().timestamp();
        let token = self.signer.sign(&claims)?;
        Ok(IssuedToken { token, claims })
    }

    pub async fn create_user(
        &self,
        ctx: &RequestContext,
        username: &str,
        email: &str,
        role: &str,
        password: SecretString,
    ) -> Result<UserRow, IdentityError> {
        if !ctx.has_role(Role::Administrator) {
            return Err(IdentityError::PermissionDenied(
                "only administrators may add users",
            ));
        }
        validate_username(username)?;
        if !email.contains('@') || email.len() > 254 {
            return Err(IdentityError::InvalidInput(
                "email must be an email address".into(),
            ));
        }
        let role: Role = role
            .parse()
            .map_err(|e: strongroom_core::role::UnknownRole| {
                IdentityError::InvalidInput(e.to_string())
            })?;
        if password.expose_secret().chars().count() < MIN_PASSWORD_LEN {
            return Err(IdentityError::InvalidInput(format!(
                "password must have at least {MIN_PASSWORD_LEN} characters"
            )));
        }
        let hash = self.hasher.hash(password).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let user = store::create_user(
            &mut tx,
            &NewUser {
                id: UserId::new().0,
                username,
                email,
                role: role.as_str(),
                password_hash: &hash,
            },
        )
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                IdentityError::AlreadyExists(format!("user {username} already exists"))
            } else {
                e.into()
            }
        })?;
        let event = Event::new(
            ctx.org(),
            SERVICE,
            "user.created",
            strongroom_runtime::actor(ctx),
            Target::new("user", user.id, &user.username),
        )
        .with_details(serde_json::json!({ "role": role.as_str() }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(user)
    }

    /// Creates an API key for the caller; returns (id, key, created_at). The key is shown
    /// only here: the service keeps its hash.
    pub async fn create_api_key(
        &self,
        ctx: &RequestContext,
        name: &str,
    ) -> Result<(Uuid, String, chrono::DateTime<chrono::Utc>), IdentityError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(IdentityError::InvalidInput(
                "name must have 1 to 100 characters".into(),
            ));
        }
        if ctx.claims.home.is_some() {
            return Err(IdentityError::InvalidInput(
                "API keys are created in your own org".into(),
            ));
        }
        let id = Uuid::now_v7();
        let secret = random_token(32);
        let mut tx = self.db.begin(ctx.org()).await?;
        let created_at = store::create_api_key(
            &mut tx,
            id,
            ctx.user().0,
            name,
            &Sha256::digest(secret.as_bytes()),
        )
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                IdentityError::AlreadyExists(format!("you already have an API key named {name}"))
            } else {
                e.into()
            }
        })?;
        let event = Event::new(
            ctx.org(),
            SERVICE,
            "api_key.created",
            strongroom_runtime::actor(ctx),
            Target::new("api_key", id, name),
        );
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok((
            id,
            format!("{API_KEY_PREFIX}{}_{secret}", id.simple()),
            created_at,
        ))
    }

    fn issue(
        &self,
        org: OrgId,
        user: &UserRow,
        amr: &str,
        ttl: i64,
    ) -> Result<IssuedToken, IdentityError> {
        let role = parse_stored_role(&user.role)?;
        let claims = Claims::new(UserId(user.id), org, &user.username, vec![role], ttl, amr);
        let token = self.signer.sign(&claims)?;
        Ok(IssuedToken { token, claims })
    }
}

fn parse_stored_role(role: &str) -> Result<Role, IdentityError> {
    role.parse().map_err(|_| {
        IdentityError::Database(sqlx::Error::Protocol(format!("unknown stored role {role}")))
    })
}

fn validate_username(username: &str) -> Result<(), IdentityError> {
    let ok = (1..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(IdentityError::InvalidInput(
            "username must have 1 to 64 letters, digits, '.', '_', '-' or '@'".into(),
        ))
    }
}

/// URL-safe random text from `bytes` random bytes.
fn random_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    rand::fill(buf.as_mut_slice());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
