//! Client orgs, for MSPOrg: add one, import many, and the org selector.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use strongroom_auth::outgoing;
use strongroom_core::ErrorCode;
use strongroom_proto::tenant::{CreateOrgRequest, ImportOrgsRequest, ListOrgsRequest, Org};

use crate::Gateway;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::routes::{ApiResult, body, created, is_text_file, ok};

pub(super) fn router() -> Router<Gateway> {
    Router::new()
        .route("/orgs", get(all).post(add))
        .route("/orgs/mine", get(mine))
        .route("/orgs/import", post(import))
}

fn org_json(o: Org) -> Value {
    json!({
        "id": o.id, "slug": o.slug, "name": o.name, "description": o.description,
        "department": o.department, "location": o.location, "contact": o.contact,
        "account_manager_id": o.account_manager_id, "created_at": o.created_at,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgBody {
    slug: String,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    contact: String,
    /// An MSPOrg administrator; the caller when left out.
    #[serde(default)]
    account_manager_id: String,
}

async fn add(State(state): State<Gateway>, Caller(ctx): Caller, bytes: Bytes) -> ApiResult {
    let b: OrgBody = body(&bytes)?;
    let o = state
        .tenant
        .clone()
        .create_org(outgoing(
            &ctx,
            CreateOrgRequest {
                slug: b.slug,
                name: b.name,
                description: b.description,
                department: b.department,
                location: b.location,
                contact: b.contact,
                account_manager_id: b.account_manager_id,
            },
        ))
        .await?
        .into_inner();
    created(org_json(o))
}

async fn list(
    state: &Gateway,
    ctx: &strongroom_auth::RequestContext,
    mine_only: bool,
) -> ApiResult {
    let orgs = state
        .tenant
        .clone()
        .list_orgs(outgoing(ctx, ListOrgsRequest { mine_only }))
        .await?
        .into_inner()
        .orgs;
    ok(json!({ "orgs": orgs.into_iter().map(org_json).collect::<Vec<_>>() }))
}

/// Every client org (MSPOrg administrators).
async fn all(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    list(&state, &ctx, false).await
}

/// The orgs the caller manages.
async fn mine(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    list(&state, &ctx, true).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportBody {
    text: String,
}

/// The file as the raw body (`text/csv` or `text/plain`), or JSON `{text}`.
async fn import(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let text = if is_text_file(&headers) {
        String::from_utf8(bytes.to_vec())
            .map_err(|_| ApiError::new(ErrorCode::InvalidArgument, "the file is not UTF-8 text"))?
    } else {
        body::<ImportBody>(&bytes)?.text
    };
    let r = state
        .tenant
        .clone()
        .import_orgs(outgoing(&ctx, ImportOrgsRequest { text }))
        .await?
        .into_inner();
    let lines: Vec<Value> = r
        .lines
        .into_iter()
        .map(|l| {
            json!({
                "line": l.line, "slug": l.slug, "outcome": l.outcome,
                "reason": if l.reason.is_empty() { Value::Null } else { Value::String(l.reason) },
            })
        })
        .collect();
    ok(json!({ "lines": lines, "created": r.created, "rejected": r.rejected }))
}
