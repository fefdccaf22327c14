//! Settings replication across client orgs, for MSPOrg administrators: which of MSPOrg's
//! settings every client org receives. The tenant service decides what may be saved.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use bytes::Bytes;
use serde_json::{Map, Value, json};
use strongroom_auth::outgoing;
use strongroom_core::ErrorCode;
use strongroom_proto::tenant::{
    GetReplicationRequest, ReplicationChoice, ReplicationSettings, SaveReplicationRequest,
};

use crate::Gateway;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::routes::{ApiResult, body, ok};

pub(super) fn router() -> Router<Gateway> {
    Router::new().route("/orgs/replication", get(show).put(save))
}

fn settings_json(s: ReplicationSettings) -> Value {
    let kinds: Vec<Value> = s
        .kinds
        .into_iter()
        .map(|k| {
            let mut kind = json!({
                "kind": k.kind, "label": k.label, "available": k.available,
                "enabled": k.enabled, "version": k.version,
                "options": serde_json::from_str::<Value>(&k.options_json)
                    .unwrap_or_else(|_| json!({})),
                "updated_by": (!k.updated_by.is_empty()).then_some(k.updated_by),
                "updated_at": (!k.updated_at.is_empty()).then_some(k.updated_at),
            });
            if !k.available {
                kind["reason"] = Value::String(k.reason);
            }
            kind
        })
        .collect();
    json!({ "kinds": kinds })
}

async fn show(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let s = state
        .replication
        .clone()
        .get(outgoing(&ctx, GetReplicationRequest {}))
        .await?
        .into_inner();
    ok(settings_json(s))
}

/// One kind's choice: `true`/`false`, or `{"enabled": bool, ...options}`.
fn choice(kind: String, value: Value) -> Result<ReplicationChoice, ApiError> {
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidArgument,
            format!(
                "{kind} must be true, false or {{\"enabled\": true|false, ...options}}, \
                 e.g. {{\"enabled\": true, \"on_conflict\": \"rename\"}}"
            ),
        )
    };
    match value {
        Value::Bool(enabled) => Ok(ReplicationChoice {
            kind,
            enabled,
            options_json: String::new(),
        }),
        Value::Object(mut options) => {
            let Some(Value::Bool(enabled)) = options.remove("enabled") else {
                return Err(invalid());
            };
            Ok(ReplicationChoice {
                kind,
                enabled,
                options_json: Value::Object(options).to_string(),
            })
        }
        _ => Err(invalid()),
    }
}

/// Saves the kinds named; the others keep their setting.
async fn save(State(state): State<Gateway>, Caller(ctx): Caller, bytes: Bytes) -> ApiResult {
    let kinds: Map<String, Value> = body(&bytes)?;
    let choices = kinds
        .into_iter()
        .map(|(kind, value)| choice(kind, value))
        .collect::<Result<Vec<_>, _>>()?;
    let s = state
        .replication
        .clone()
        .save(outgoing(&ctx, SaveReplicationRequest { choices }))
        .await?
        .into_inner();
    ok(settings_json(s))
}
