//! The org's login settings: password policy and lockout.

use axum::extract::State;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use strongroom_auth::outgoing;
use strongroom_proto::identity::{Empty, LoginSettings};

use crate::Gateway;
use crate::caller::Caller;
use crate::routes::{ApiResult, body, ok};

fn settings_json(s: LoginSettings) -> Value {
    json!({
        "min_length": s.min_length, "require_lowercase": s.require_lowercase,
        "require_uppercase": s.require_uppercase, "require_digit": s.require_digit,
        "require_special": s.require_special, "history": s.history,
        "max_age_days": s.max_age_days, "lockout_threshold": s.lockout_threshold,
        "lockout_minutes": s.lockout_minutes, "default_role": s.default_role,
    })
}

pub(super) async fn show(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let s = state
        .identity
        .clone()
        .get_login_settings(outgoing(&ctx, Empty {}))
        .await?
        .into_inner();
    ok(settings_json(s))
}

/// The whole settings, as GET returns them. Every field is required: a missing one is a 400
/// rather than a silent reset to zero (which would, say, turn the lockout off), and merging
/// with the stored settings here would race with another administrator's change.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsBody {
    min_length: u32,
    require_lowercase: bool,
    require_uppercase: bool,
    require_digit: bool,
    require_special: bool,
    history: u32,
    max_age_days: u32,
    lockout_threshold: u32,
    lockout_minutes: u32,
    default_role: String,
}

pub(super) async fn change(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: SettingsBody = body(&bytes)?;
    let s = state
        .identity
        .clone()
        .update_login_settings(outgoing(
            &ctx,
            LoginSettings {
                min_length: b.min_length,
                require_lowercase: b.require_lowercase,
                require_uppercase: b.require_uppercase,
                require_digit: b.require_digit,
                require_special: b.require_special,
                history: b.history,
                max_age_days: b.max_age_days,
                lockout_threshold: b.lockout_threshold,
                lockout_minutes: b.lockout_minutes,
                default_role: b.default_role,
            },
        ))
        .await?
        .into_inner();
    ok(settings_json(s))
}
