//! The org's login settings: password policy and lockout.

use serde::{Deserialize, Serialize};
use strongroom_proto::identity as pb;
use utoipa::ToSchema;

/// The whole settings, as GET returns them and PUT takes them. Every field is required: a
/// missing one is a 400 rather than a silent reset to zero (which would, say, turn the
/// lockout off), and merging with the stored settings here would race with another
/// administrator's change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginSettings {
    pub min_length: u32,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_digit: bool,
    pub require_special: bool,
    /// Previous passwords that may not be reused (0: no rule).
    pub history: u32,
    /// Days before a local password must be changed (0: never).
    pub max_age_days: u32,
    /// Failed logins that lock a user, for `lockout_minutes`.
    pub lockout_threshold: u32,
    pub lockout_minutes: u32,
    /// The role given to imported users.
    pub default_role: String,
    /// A session ends after this many minutes without use (5 to 1,440); the console renews
    /// its token each minute it is used.
    pub session_idle_minutes: u32,
    /// A session ends this many hours after signing in, however much it is used (1 to 720).
    pub session_max_hours: u32,
}

impl From<pb::LoginSettings> for LoginSettings {
    fn from(s: pb::LoginSettings) -> Self {
        Self {
            min_length: s.min_length,
            require_lowercase: s.require_lowercase,
            require_uppercase: s.require_uppercase,
            require_digit: s.require_digit,
            require_special: s.require_special,
            history: s.history,
            max_age_days: s.max_age_days,
            lockout_threshold: s.lockout_threshold,
            lockout_minutes: s.lockout_minutes,
            default_role: s.default_role,
            session_idle_minutes: s.session_idle_minutes,
            session_max_hours: s.session_max_hours,
        }
    }
}

impl From<LoginSettings> for pb::LoginSettings {
    fn from(s: LoginSettings) -> Self {
        Self {
            min_length: s.min_length,
            require_lowercase: s.require_lowercase,
            require_uppercase: s.require_uppercase,
            require_digit: s.require_digit,
            require_special: s.require_special,
            history: s.history,
            max_age_days: s.max_age_days,
            lockout_threshold: s.lockout_threshold,
            lockout_minutes: s.lockout_minutes,
            default_role: s.default_role,
            session_idle_minutes: s.session_idle_minutes,
            session_max_hours: s.session_max_hours,
        }
    }
}
