use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use crate::AuthError;

/// Argon2id hashing on the blocking pool behind a limit, so a flood of logins queues here
/// instead of stalling the async runtime that serves retrievals.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    params: Params,
    // Verified when the user does not exist, so timing does not reveal which names do.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    /// OWASP's Argon2id recommendation: 19 MiB, 2 iterations, 1 lane.
    pub fn new(max_concurrent: usize) -> Result<Self, AuthError> {
        let params = Params::new(19 * 1024, 2, 1, None).map_err(|_| AuthError::Hashing)?;
        Self::with_params(max_concurrent, params)
    }

    fn with_params(max_concurrent: usize, params: Params) -> Result<Self, AuthError> {
        let dummy = hash_blocking(&params, "strongroom-dummy-password")?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            params,
            dummy_hash: dummy.into(),
        })
    }

    pub async fn hash(&self, password: SecretString) -> Result<String, AuthError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| AuthError::Hashing)?;
        let params = self.params.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            span.in_scope(|| hash_blocking(&params, password.expose_secret()))
        })
        .await
        .map_err(|_| AuthError::Hashing)?
    }

    /// Checks `password` against `stored`; with no stored hash, spends the same time and
    /// returns false.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<String>,
    ) -> Result<bool, AuthError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| AuthError::Hashing)?;
        let exists = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let span = tracing::Span::current();
        let matches = tokio::task::spawn_blocking(move || {
            span.in_scope(|| {
                let parsed = PasswordHash::new(&stored).map_err(|_| AuthError::Hashing)?;
                Ok::<_, AuthError>(
                    Argon2::default()
                        .verify_password(password.expose_secret().as_bytes(), &parsed)
                        .is_ok(),
                )
            })
        })
        .await
        .map_err(|_| AuthError::Hashing)??;
        Ok(exists && matches)
    }
}

fn hash_blocking(params: &Params, password: &str) -> Result<String, AuthError> {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|_| AuthError::Hashing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_only_the_right_password() {
        let hasher = PasswordHasher::new(2).unwrap();
        let hash = hasher
            .hash(SecretString::from("correct horse"))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            hasher
                .verify(SecretString::from("correct horse"), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(SecretString::from("wrong"), Some(hash))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(SecretString::from("strongroom-dummy-password"), None)
                .await
                .unwrap()
        );
    }
}
