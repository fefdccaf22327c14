//! The gateway's own first path segments, which no org slug may take: `/<slug>/...` is a
//! client org's console and API, anything else at `/` is MSPOrg's.

/// Words that cannot be org slugs: the gateway's paths (the API, health, static files and
/// every console page of MSPOrg, which lives at `/`), and words that could be mistaken for
/// MSPOrg.
pub const RESERVED_SLUGS: &[&str] = &[
    "api",
    "static",
    "healthz",
    "readyz",
    "metrics",
    "docs",
    "openapi",
    "login",
    "logout",
    "admin",
    "console",
    "assets",
    "msp",
    "msporg",
    "default",
    // console pages
    "password",
    "resources",
    "accounts",
    "personal",
    "users",
    "groups",
    "roles",
    "settings",
    "audit",
    "reports",
    "orgs",
    "sessions",
    "keys",
    "imports",
    "export",
    "policies",
    "directory",
    "switch",
    "approvals",
    "access",
];

/// Whether `word` (any case) is one of [`RESERVED_SLUGS`].
pub fn is_reserved(word: &str) -> bool {
    RESERVED_SLUGS
        .iter()
        .any(|reserved| reserved.eq_ignore_ascii_case(word))
}

/// Whether `word` has the form of an org slug: 2 to 32 ASCII letters and digits.
pub fn is_slug_shaped(word: &str) -> bool {
    (2..=32).contains(&word.len()) && word.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_words_are_slug_shaped_so_they_could_otherwise_be_taken() {
        for word in RESERVED_SLUGS {
            assert!(is_slug_shaped(word), "{word}");
            assert!(is_reserved(&word.to_ascii_uppercase()), "{word}");
        }
        assert!(!is_reserved("acme"));
        assert!(!is_slug_shaped("a"));
        assert!(!is_slug_shaped("ac-me"));
    }
}
