//! Statements identity signs about a user for another service, with the token key: the
//! service checks one with identity's public key instead of asking identity again. A
//! statement is not an access token (it lacks a token's claims, and a token lacks its
//! `stmt`), names one user of one org, and lapses within a minute.

use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use strongroom_core::{OrgId, UserId};

use crate::AuthError;
use crate::claims::ISSUER;
use crate::token::{Signer, Verifier};

/// How long a statement holds.
const STATEMENT_SECS: i64 = 60;
/// What an active-user statement says.
const ACTIVE_USER: &str = "active_user";

#[derive(Serialize, Deserialize)]
struct Statement {
    stmt: String,
    sub: UserId,
    org: OrgId,
    iss: String,
    exp: i64,
}

impl Signer {
    /// Vouches that `user` is an active user of `org` (identity, having just looked).
    pub fn vouch_active_user(&self, user: UserId, org: OrgId) -> Result<String, AuthError> {
        let statement = Statement {
            stmt: ACTIVE_USER.to_owned(),
            sub: user,
            org,
            iss: ISSUER.to_owned(),
            exp: chrono::Utc::now().timestamp() + STATEMENT_SECS,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &statement, &self.key)
            .map_err(|e| AuthError::Key(e.to_string()))
    }
}

impl Verifier {
    /// Whether `statement` is identity's, unexpired, and says that `user` is an active
    /// user of `org`.
    pub fn is_vouched_active_user(&self, statement: &str, user: UserId, org: OrgId) -> bool {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 0;
        jsonwebtoken::decode::<Statement>(statement, &self.key, &validation).is_ok_and(|data| {
            let said = data.claims;
            said.stmt == ACTIVE_USER && said.sub == user && said.org == org
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Claims, generate_keypair};

    fn keys() -> (Signer, Verifier) {
        let (private, public) = generate_keypair().unwrap();
        (
            Signer::from_pem(private.as_bytes()).unwrap(),
            Verifier::from_pem(public.as_bytes()).unwrap(),
        )
    }

    #[test]
    fn a_statement_names_one_user_of_one_org_and_only_identitys_key_makes_one() {
        let (signer, verifier) = keys();
        let (user, org) = (UserId::new(), OrgId::new());
        let said = signer.vouch_active_user(user, org).unwrap();
        assert!(verifier.is_vouched_active_user(&said, user, org));
        assert!(!verifier.is_vouched_active_user(&said, UserId::new(), org));
        assert!(!verifier.is_vouched_active_user(&said, user, OrgId::new()));
        assert!(!verifier.is_vouched_active_user("", user, org));
        let (forger, _) = keys();
        let forged = forger.vouch_active_user(user, org).unwrap();
        assert!(!verifier.is_vouched_active_user(&forged, user, org));
    }

    #[test]
    fn a_statement_and_an_access_token_do_not_stand_for_each_other() {
        let (signer, verifier) = keys();
        verifier
            .revocations()
            .mark_read(chrono::Utc::now().timestamp());
        let (user, org) = (UserId::new(), OrgId::new());
        let token = signer
            .sign(&Claims::for_role(
                user,
                org,
                "u",
                strongroom_core::Role::Administrator,
                60,
                "password",
            ))
            .unwrap();
        assert!(!verifier.is_vouched_active_user(&token, user, org));
        let said = signer.vouch_active_user(user, org).unwrap();
        assert!(verifier.verify(&said).is_err());
    }
}
