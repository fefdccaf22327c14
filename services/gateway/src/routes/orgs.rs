//! Client orgs, for MSPOrg: add one, import many, change or delete one, and the org
//! selector.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, patch, post};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use strongroom_auth::outgoing;
use strongroom_core::ErrorCode;
use strongroom_proto::tenant::{
    CreateOrgRequest, DeleteOrgRequest, ImportOrgsRequest, ListOrgsRequest, Org, UpdateOrgRequest,
};

use crate::Gateway;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::routes::{ApiResult, body, created, is_text_file, ok};

pub(super) fn router() -> Router<Gateway> {
    Router::new()
        .route("/orgs", get(all).post(add))
        .route("/orgs/mine", get(mine))
        .route("/orgs/import", post(import))
        .route("/orgs/{id}", patch(change).delete(remove))
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeBody {
    slug: Option<String>,
    name: Option<String>,
    description: Option<String>,
    department: Option<String>,
    location: Option<String>,
    contact: Option<String>,
    account_manager_id: Option<String>,
}

async fn change(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let b: ChangeBody = body(&bytes)?;
    let renamed = b.slug.is_some();
    let o = state
        .tenant
        .clone()
        .update_org(outgoing(
            &ctx,
            UpdateOrgRequest {
                org_id: id,
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
    if renamed {
        // The org answers at its new URL only.
        state.orgs.forget(&o.id);
    }
    ok(org_json(o))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteBody {
    /// The org's slug, repeated.
    confirm: String,
}

/// Deletes the org and all of its data in every service; the body repeats its slug.
async fn remove(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let b: DeleteBody = body(&bytes)?;
    let o = state
        .tenant
        .clone()
        .delete_org(outgoing(
            &ctx,
            DeleteOrgRequest {
                org_id: id,
                confirm: b.confirm,
            },
        ))
        .await?
        .into_inner();
    state.orgs.forget(&o.id);
    ok(json!({ "deleted": org_json(o) }))
}
