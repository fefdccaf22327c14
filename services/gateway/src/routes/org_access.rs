//! Org access grants, from the org's side and from the user's side, and the org report.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::routing::{get, post};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use strongroom_auth::{RequestContext, outgoing};
use strongroom_proto::tenant::{
    DecideOrgAccessRequest, GetMspAccessRequest, GroupMemberApproval, ListOrgAccessRequest,
    MspPerson, OrgAccessGrant, OrgRef, OrgReport, ProposeOrgAccessRequest, ReportGroup, ReportUser,
    RevokeOrgAccessRequest,
};

use crate::Gateway;
use crate::caller::Caller;
use crate::routes::{ApiResult, body, created, ok, optional_body, query};

pub(super) fn router() -> Router<Gateway> {
    Router::new()
        .route("/org-access", get(list).post(propose))
        .route("/org-access/{id}/approve", post(approve))
        .route("/org-access/{id}/reject", post(reject))
        .route("/org-access/{id}/revoke", post(revoke))
        .route(
            "/org-access/{id}/members/{user_id}/approve",
            post(approve_member),
        )
        .route("/msp-access", get(msp_access))
        .route("/orgs/{id}/access", get(of_org))
        .route("/orgs/{id}/report", get(report))
        .route("/users/{id}/org-access", get(of_designee))
        .route("/groups/{id}/org-access", get(of_designee))
}

fn grant_json(g: OrgAccessGrant) -> Value {
    let optional = |s: String| {
        if s.is_empty() {
            Value::Null
        } else {
            Value::String(s)
        }
    };
    json!({
        "id": g.id, "org_id": g.org_id, "org_slug": g.org_slug, "org_name": g.org_name,
        "designee_kind": g.designee_kind, "designee_id": g.designee_id,
        "designee_name": g.designee_name, "proposer_id": g.proposer_id,
        "proposer_name": g.proposer_name, "approver_id": g.approver_id,
        "approver_name": g.approver_name, "status": g.status, "proposed_at": g.proposed_at,
        "decided_by": optional(g.decided_by_name), "decided_at": optional(g.decided_at),
        "note": g.note,
    })
}

fn grants_json(grants: Vec<OrgAccessGrant>) -> Value {
    json!({ "grants": grants.into_iter().map(grant_json).collect::<Vec<_>>() })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposeBody {
    /// `user` or `group`.
    designee_kind: String,
    designee_id: String,
    org_ids: Vec<String>,
    approver_id: String,
    #[serde(default)]
    note: String,
}

async fn propose(State(state): State<Gateway>, Caller(ctx): Caller, bytes: Bytes) -> ApiResult {
    let b: ProposeBody = body(&bytes)?;
    let grants = state
        .tenant
        .clone()
        .propose_org_access(outgoing(
            &ctx,
            ProposeOrgAccessRequest {
                designee_kind: b.designee_kind,
                designee_id: b.designee_id,
                org_ids: b.org_ids,
                approver_id: b.approver_id,
                note: b.note,
            },
        ))
        .await?
        .into_inner()
        .grants;
    created(grants_json(grants))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    #[serde(default)]
    note: String,
}

async fn decide(
    state: &Gateway,
    ctx: &RequestContext,
    id: String,
    approve: bool,
    bytes: &Bytes,
) -> ApiResult {
    let b: NoteBody = optional_body(bytes)?;
    let g = state
        .tenant
        .clone()
        .decide_org_access(outgoing(
            ctx,
            DecideOrgAccessRequest {
                grant_id: id,
                approve,
                note: b.note,
            },
        ))
        .await?
        .into_inner();
    ok(grant_json(g))
}

async fn approve(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    decide(&state, &ctx, id, true, &bytes).await
}

async fn reject(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    decide(&state, &ctx, id, false, &bytes).await
}

async fn revoke(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let b: NoteBody = optional_body(&bytes)?;
    let g = state
        .tenant
        .clone()
        .revoke_org_access(outgoing(
            &ctx,
            RevokeOrgAccessRequest {
                grant_id: id,
                note: b.note,
            },
        ))
        .await?
        .into_inner();
    ok(grant_json(g))
}

fn person_json(p: MspPerson) -> Value {
    json!({
        "user_id": p.user_id, "username": p.username, "level": p.level,
        "grant_id": if p.grant_id.is_empty() { Value::Null } else { Value::String(p.grant_id) },
        "approved_by": if p.approved_by.is_empty() { Value::Null } else { Value::String(p.approved_by) },
        "since": p.approved_at,
        "actions": format!("/api/v1/audit?actor_ids={}", p.user_id),
    })
}

/// At a client org's URL: who from the MSP reaches the org, and where their actions are.
async fn msp_access(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let a = state
        .tenant
        .clone()
        .get_msp_access(outgoing(&ctx, GetMspAccessRequest {}))
        .await?
        .into_inner();
    let groups: Vec<Value> = a
        .granted_groups
        .into_iter()
        .map(|g| {
            json!({
                "group_id": g.group_id, "name": g.name, "grant_id": g.grant_id,
                "approved_by": g.approved_by, "since": g.approved_at,
                "every_member": g.every_member,
                "members": g.members.into_iter().map(person_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    ok(json!({
        "account_manager": a.account_manager.map(person_json),
        "granted_users": a.granted_users.into_iter().map(person_json).collect::<Vec<_>>(),
        "granted_groups": groups,
    }))
}

/// Lets a member added to a granted group since its approval into the org.
async fn approve_member(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path((grant_id, user_id)): Path<(String, String)>,
) -> ApiResult {
    let g = state
        .tenant
        .clone()
        .approve_group_member(outgoing(&ctx, GroupMemberApproval { grant_id, user_id }))
        .await?
        .into_inner();
    ok(grant_json(g))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    designee_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    awaiting_me: bool,
}

async fn listed(state: &Gateway, ctx: &RequestContext, q: ListQuery) -> ApiResult {
    let grants = state
        .tenant
        .clone()
        .list_org_access(outgoing(
            ctx,
            ListOrgAccessRequest {
                org_id: q.org_id,
                designee_id: q.designee_id,
                status: q.status,
                awaiting_me: q.awaiting_me,
            },
        ))
        .await?
        .into_inner()
        .grants;
    ok(grants_json(grants))
}

/// `?org_id=&designee_id=&status=&awaiting_me=true`, all optional.
async fn list(State(state): State<Gateway>, Caller(ctx): Caller, uri: Uri) -> ApiResult {
    listed(&state, &ctx, query(&uri)?).await
}

/// The org's side: every grant for one org.
async fn of_org(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult {
    let q = ListQuery {
        org_id: id,
        ..query(&uri)?
    };
    listed(&state, &ctx, q).await
}

/// The user's (or user group's) side: every grant naming them.
async fn of_designee(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult {
    let q = ListQuery {
        designee_id: id,
        ..query(&uri)?
    };
    listed(&state, &ctx, q).await
}

fn user_json(u: ReportUser) -> Value {
    json!({
        "id": u.id, "username": u.username, "full_name": u.full_name, "role": u.role,
        "status": u.status, "level": u.level,
        "grant_id": if u.grant_id.is_empty() { Value::Null } else { Value::String(u.grant_id) },
    })
}

fn group_json(g: ReportGroup) -> Value {
    json!({
        "id": g.id, "name": g.name, "member_count": g.member_count, "level": g.level,
        "grant_id": if g.grant_id.is_empty() { Value::Null } else { Value::String(g.grant_id) },
        "members": g.members.into_iter().map(user_json).collect::<Vec<_>>(),
    })
}

async fn report(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let r: OrgReport = state
        .tenant
        .clone()
        .get_org_report(outgoing(&ctx, OrgRef { org_id: id }))
        .await?
        .into_inner();
    let users = |v: Vec<ReportUser>| v.into_iter().map(user_json).collect::<Vec<_>>();
    let groups = |v: Vec<ReportGroup>| v.into_iter().map(group_json).collect::<Vec<_>>();
    ok(json!({
        "org_id": r.org_id, "slug": r.slug, "name": r.name,
        "account_manager": r.account_manager.map(user_json),
        "own_users": users(r.own_users),
        "own_groups": groups(r.own_groups),
        "granted_users": users(r.granted_users),
        "granted_groups": groups(r.granted_groups),
    }))
}
