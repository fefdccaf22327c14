//! Random tokens and their comparison, for credentials a service hands out and checks.

use base64::Engine as _;

/// URL-safe random text from `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(buf.as_mut_slice());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// A credential as handed out: `<prefix><id>_<secret>`, the id naming the row that holds
/// the secret's hash.
pub fn credential(prefix: &str, id: uuid::Uuid, secret: &str) -> String {
    format!("{prefix}{}_{secret}", id.simple())
}

/// A credential's id and secret, when `text` is one made by [`credential`] with `prefix`.
pub fn split_credential<'a>(prefix: &str, text: &'a str) -> Option<(uuid::Uuid, &'a str)> {
    let (id, secret) = text.strip_prefix(prefix)?.split_once('_')?;
    Some((uuid::Uuid::try_parse(id).ok()?, secret))
}

/// Whether `a` and `b` are equal, in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_and_compare_whole() {
        let (a, b) = (random_token(32), random_token(32));
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(constant_time_eq(a.as_bytes(), a.as_bytes()));
        assert!(!constant_time_eq(a.as_bytes(), b.as_bytes()));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn a_credential_splits_into_its_id_and_secret_only_with_its_prefix() {
        let id = uuid::Uuid::new_v4();
        let text = credential("srk_", id, "s3cr_et");
        assert_eq!(split_credential("srk_", &text), Some((id, "s3cr_et")));
        assert_eq!(split_credential("srr_", &text), None);
        assert_eq!(split_credential("srk_", "srk_not-an-id_x"), None);
        assert_eq!(split_credential("srk_", "srk_"), None);
    }
}
