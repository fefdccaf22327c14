use std::path::Path;
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::AuthError;
use crate::claims::{Claims, ISSUER};
use crate::memo::Memo;
use crate::revocation::Revocations;

/// Returns a new Ed25519 key pair as (private PKCS#8 PEM, public SPKI PEM).
pub fn generate_keypair() -> Result<(Zeroizing<String>, String), AuthError> {
    let seed: Zeroizing<[u8; 32]> = Zeroizing::new(rand::random());
    let key = SigningKey::from_bytes(&seed);
    let private = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| AuthError::Key(e.to_string()))?;
    let public = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| AuthError::Key(e.to_string()))?;
    Ok((Zeroizing::new(private.to_string()), public))
}

/// Signs access tokens; only the identity service holds one.
pub struct Signer {
    pub(crate) key: EncodingKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(<redacted>)")
    }
}

impl Signer {
    pub fn from_pem(pem: &[u8]) -> Result<Self, AuthError> {
        let key = EncodingKey::from_ed_pem(pem).map_err(|e| AuthError::Key(e.to_string()))?;
        Ok(Self { key })
    }

    /// Loads the signing key, refusing a file that group or others may read or write
    /// (it must be 0600 or 0400 on Unix): whoever reads it can sign any token.
    pub fn from_file(path: &Path) -> Result<Self, AuthError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(|e| AuthError::Key(format!("{}: {e}", path.display())))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(AuthError::Key(format!(
                    "{} may be read or changed by others than its owner (mode {:o}); make it \
                     0600",
                    path.display(),
                    mode & 0o777
                )));
            }
        }
        let pem = Zeroizing::new(
            std::fs::read(path).map_err(|e| AuthError::Key(format!("{}: {e}", path.display())))?,
        );
        Self::from_pem(&pem)
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, AuthError> {
        jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), claims, &self.key)
            .map_err(|e| AuthError::Key(e.to_string()))
    }
}

/// Verifies access tokens; every service holds one.
#[derive(Clone)]
pub struct Verifier {
    pub(crate) key: DecodingKey,
    validation: Validation,
    /// Tokens already verified, shared by the process's verifiers of this key (see
    /// `memo`): every hop of a request checks the same token, and a signature check costs
    /// far more than a lookup.
    pub(crate) verified: Memo,
    revocations: Arc<Revocations>,
}

/// Verified tokens remembered at most; past that, expired ones go, then all.
const VERIFIED_CAPACITY: usize = 16_384;

impl Verifier {
    pub fn from_pem(pem: &[u8]) -> Result<Self, AuthError> {
        let key = DecodingKey::from_ed_pem(pem).map_err(|e| AuthError::Key(e.to_string()))?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = 5;
        Ok(Self {
            key,
            validation,
            verified: crate::memo::for_key(pem),
            revocations: Arc::default(),
        })
    }

    pub fn from_file(path: &Path) -> Result<Self, AuthError> {
        let pem =
            std::fs::read(path).map_err(|e| AuthError::Key(format!("{}: {e}", path.display())))?;
        Self::from_pem(&pem)
    }

    /// The revoked sessions this verifier refuses; a watcher keeps it current.
    pub fn revocations(&self) -> Arc<Revocations> {
        self.revocations.clone()
    }

    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let claims = self.verify_signed(token)?;
        // Fail closed: without a recent read of the revocations, no token can be known not
        // to be revoked (not even one issued since the last read: it may have been revoked
        // in what was missed).
        if self.revocations.is_stale() {
            return Err(AuthError::RevocationsUnknown);
        }
        if claims
            .sid
            .is_some_and(|sid| self.revocations.is_revoked(sid))
            || self.revocations.is_outdated(claims.sub.0, claims.ver)
        {
            return Err(AuthError::InvalidToken);
        }
        Ok(claims)
    }

    fn verify_signed(&self, token: &str) -> Result<Claims, AuthError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = chrono::Utc::now().timestamp();
        if let Ok(verified) = self.verified.read()
            && let Some(claims) = verified.get(&digest)
            && claims.exp > now
        {
            return Ok(claims.clone());
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| AuthError::InvalidToken)?;
        if claims.exp > now
            && let Ok(mut verified) = self.verified.write()
        {
            if verified.len() >= VERIFIED_CAPACITY {
                verified.retain(|_, c| c.exp > now);
                if verified.len() >= VERIFIED_CAPACITY {
                    verified.clear();
                }
            }
            verified.insert(digest, claims.clone());
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use strongroom_core::{OrgId, Role, UserId};
    use uuid::Uuid;

    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_signing_key_file_others_may_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let (private, _) = generate_keypair().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt-private.pem");
        std::fs::write(&path, private.as_bytes()).unwrap();
        for (mode, ok) in [
            (0o644, false),
            (0o640, false),
            (0o602, false),
            (0o600, true),
            (0o400, true),
        ] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let loaded = Signer::from_file(&path);
            assert_eq!(loaded.is_ok(), ok, "mode {mode:o}: {loaded:?}");
            if let Err(e) = loaded {
                assert!(e.to_string().contains("0600"), "{e}");
            }
        }
    }

    fn claims() -> Claims {
        Claims::for_role(
            UserId::new(),
            OrgId::new(),
            "alice",
            Role::PasswordUser,
            60,
            "password",
        )
    }

    /// A verifier that has just read the revocation list.
    fn fresh(public: &str) -> Verifier {
        let verifier = Verifier::from_pem(public.as_bytes()).unwrap();
        verifier
            .revocations()
            .mark_read(chrono::Utc::now().timestamp());
        verifier
    }

    #[test]
    fn a_verifier_that_never_read_the_revocations_refuses_every_token() {
        let (private, public) = generate_keypair().unwrap();
        let signer = Signer::from_pem(private.as_bytes()).unwrap();
        let verifier = Verifier::from_pem(public.as_bytes()).unwrap();
        let token = signer.sign(&claims()).unwrap();
        assert!(matches!(
            verifier.verify(&token),
            Err(AuthError::RevocationsUnknown)
        ));
        assert!(!verifier.revocations().is_fresh());
        verifier
            .revocations()
            .mark_read(chrono::Utc::now().timestamp());
        assert!(verifier.verify(&token).is_ok());
    }

    #[test]
    fn a_token_of_a_revoked_session_is_refused_even_when_remembered() {
        let (private, public) = generate_keypair().unwrap();
        let signer = Signer::from_pem(private.as_bytes()).unwrap();
        let verifier = fresh(&public);
        let sid = Uuid::now_v7();
        let token = signer.sign(&claims().with_session(sid)).unwrap();
        let other = signer.sign(&claims().with_session(Uuid::now_v7())).unwrap();
        assert!(verifier.verify(&token).is_ok());
        verifier
            .revocations()
            .insert(sid, chrono::Utc::now().timestamp() + 60);
        assert!(verifier.verify(&token).is_err());
        assert!(verifier.verify(&other).is_ok(), "other sessions stay valid");
    }

    #[test]
    fn a_signed_token_verifies_and_keeps_its_claims() {
        let (private, public) = generate_keypair().unwrap();
        let signer = Signer::from_pem(private.as_bytes()).unwrap();
        let verifier = fresh(&public);
        let c = claims();
        assert_eq!(verifier.verify(&signer.sign(&c).unwrap()).unwrap(), c);
    }

    #[test]
    fn a_token_from_another_key_or_expired_is_refused() {
        let (private, _) = generate_keypair().unwrap();
        let (_, other_public) = generate_keypair().unwrap();
        let signer = Signer::from_pem(private.as_bytes()).unwrap();
        let verifier = fresh(&other_public);
        assert!(verifier.verify(&signer.sign(&claims()).unwrap()).is_err());

        let (private, public) = generate_keypair().unwrap();
        let signer = Signer::from_pem(private.as_bytes()).unwrap();
        let verifier = fresh(&public);
        let mut expired = claims();
        expired.exp = chrono::Utc::now().timestamp() - 60;
        assert!(verifier.verify(&signer.sign(&expired).unwrap()).is_err());
        let tampered = signer.sign(&claims()).unwrap().replace('.', ".x");
        assert!(verifier.verify(&tampered).is_err());
    }

    #[test]
    fn a_remembered_token_vouches_for_itself_only_and_not_past_its_expiry() {
        let (private, public) = generate_keypair().unwrap();
        let signer = Signer::from_pem(private.as_bytes()).unwrap();
        let verifier = fresh(&public);
        let token = signer.sign(&claims()).unwrap();
        assert!(verifier.verify(&token).is_ok());
        assert!(verifier.verify(&token).is_ok(), "answered from memory");
        // Same header and claims, another signature: not the remembered token.
        let (head, _) = token.rsplit_once('.').unwrap();
        assert!(verifier.verify(&format!("{head}.AAAA")).is_err());

        // A remembered token whose expiry has passed is checked again, and refused.
        let mut short = claims();
        short.exp = chrono::Utc::now().timestamp() + 1;
        let short = signer.sign(&short).unwrap();
        assert!(verifier.verify(&short).is_ok());
        std::thread::sleep(std::time::Duration::from_millis(2100));
        let mut strict = Verifier::from_pem(public.as_bytes()).unwrap();
        strict.validation.leeway = 0;
        strict.verified = verifier.verified.clone();
        assert!(strict.verify(&short).is_err());
    }
}
