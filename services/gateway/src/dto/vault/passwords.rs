//! Passwords: revealing and setting them, their history, and password policies.

use serde::{Deserialize, Serialize};
use strongroom_proto::vault as pb;
use utoipa::{IntoParams, ToSchema};

/// An account's password, revealed (and audited).
#[derive(Deserialize, Serialize, ToSchema)]
pub struct RevealedPassword {
    #[schema(format = Password)]
    pub password: String,
}

/// A new password for an account (or `generate` for one from the resource's policy, the
/// built-in `strong` when it names none), and why.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    #[serde(default)]
    #[schema(format = Password)]
    pub password: String,
    #[serde(default)]
    pub generate: bool,
    /// Why it changes (1 to 500 characters), kept in the history and the audit trail.
    #[serde(default)]
    #[schema(example = "quarterly change")]
    pub reason: String,
}

#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// Why (1 to 500 characters), kept in the history and the audit trail.
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RevealQuery {
    /// Why the password is read, for the audit trail.
    #[serde(default)]
    pub reason: String,
    /// The ticket that lets you see it, where the org checks tickets before reveals (a
    /// missing or refused ticket is a 403 with the ticketing system's reason). Under access
    /// control, the ticket of your checkout's request counts instead.
    #[serde(default)]
    pub ticket_id: String,
}

/// One version of an account's password: who set it, when and why (never the password).
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct PasswordVersion {
    pub version: u32,
    /// The user who set it.
    pub created_by: String,
    pub created_at: String,
    pub reason: String,
    /// `created` (the first), `changed` or `reverted` (an earlier one made current).
    pub kind: String,
    /// The password in use now.
    pub current: bool,
}

impl From<pb::PasswordVersion> for PasswordVersion {
    fn from(v: pb::PasswordVersion) -> Self {
        Self {
            version: v.version,
            created_by: v.created_by,
            created_at: v.created_at,
            reason: v.reason,
            kind: v.kind,
            current: v.current,
        }
    }
}

/// Newest first.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct PasswordHistory {
    pub versions: Vec<PasswordVersion>,
}

/// A password policy: the built-in `low`, `medium` and `strong`, or one of the org's own.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct PasswordPolicy {
    pub name: String,
    pub min_length: u32,
    pub max_length: u32,
    pub min_lowercase: u32,
    pub min_uppercase: u32,
    pub min_digits: u32,
    /// Printable ASCII punctuation.
    pub min_specials: u32,
    pub must_start_with_letter: bool,
    /// Characters a password may not contain.
    pub forbidden_characters: String,
    /// A new password may not be any of the last this many.
    pub reuse_forbidden: u32,
    /// Days after which a password should change; `null`: never.
    pub max_age_days: Option<u32>,
    /// Built in, so it cannot change.
    pub built_in: bool,
}

impl From<pb::PasswordPolicy> for PasswordPolicy {
    fn from(p: pb::PasswordPolicy) -> Self {
        Self {
            name: p.name,
            min_length: p.min_length,
            max_length: p.max_length,
            min_lowercase: p.min_lowercase,
            min_uppercase: p.min_uppercase,
            min_digits: p.min_digits,
            min_specials: p.min_specials,
            must_start_with_letter: p.must_start_with_letter,
            forbidden_characters: p.forbidden_characters,
            reuse_forbidden: p.reuse_forbidden,
            max_age_days: (p.max_age_days > 0).then_some(p.max_age_days),
            built_in: p.built_in,
        }
    }
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct PasswordPolicyList {
    pub policies: Vec<PasswordPolicy>,
}

/// A custom policy's rules; a policy no password could satisfy is refused naming why.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicyRules {
    #[schema(example = 12)]
    pub min_length: u32,
    #[schema(example = 64)]
    pub max_length: u32,
    #[serde(default)]
    pub min_lowercase: u32,
    #[serde(default)]
    pub min_uppercase: u32,
    #[serde(default)]
    pub min_digits: u32,
    #[serde(default)]
    pub min_specials: u32,
    #[serde(default)]
    pub must_start_with_letter: bool,
    #[serde(default)]
    pub forbidden_characters: String,
    /// 0 to 24.
    #[serde(default)]
    pub reuse_forbidden: u32,
    #[serde(default)]
    pub max_age_days: Option<u32>,
}
