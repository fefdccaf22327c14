//! Identity's REST routes: signing in and sessions, users, groups, roles, login settings, the
//! directory and API keys. Each handler forwards one call to the identity service; the
//! shapes shared by several of them are here.

mod api_keys;
mod auth;
mod directory;
mod groups;
mod import;
mod roles;
mod settings;
mod users;

use axum::Router;
use axum::routing::{delete, get, patch, post, put};
use serde_json::{Value, json};
use strongroom_proto::identity::{Group, ImportUsersResponse, OwnershipTransfer, Session, User};

use crate::Gateway;

pub(super) fn router() -> Router<Gateway> {
    Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/change-password", post(auth::change_password))
        .route("/sessions", get(auth::own_sessions))
        .route("/sessions/{id}", delete(auth::end_session))
        .route("/users", get(users::list).post(users::add))
        .route("/users/import", import::route())
        .route(
            "/users/{id}",
            get(users::show).patch(users::edit).delete(users::remove),
        )
        .route("/users/{id}/password", put(users::set_password))
        .route("/users/{id}/ownership", post(users::transfer_ownership))
        .route("/ownership-transfers", get(users::list_transfers))
        .route(
            "/ownership-transfers/{id}/approve",
            post(users::approve_transfer),
        )
        .route(
            "/ownership-transfers/{id}/reject",
            post(users::reject_transfer),
        )
        .route("/users/{id}/unlock", post(users::unlock))
        .route("/users/{id}/groups", get(users::groups))
        .route(
            "/users/{id}/sessions",
            get(users::sessions).delete(users::end_sessions),
        )
        .route("/groups", get(groups::list).post(groups::add))
        .route("/groups/{id}", patch(groups::rename).delete(groups::remove))
        .route("/groups/{id}/members", get(groups::members))
        .route(
            "/groups/{id}/members/{user_id}",
            put(groups::add_member).delete(groups::remove_member),
        )
        .route("/roles", get(roles::list).post(roles::add))
        .route("/roles/{name}", put(roles::change).delete(roles::remove))
        .route("/settings/login", get(settings::show).put(settings::change))
        .route("/directory", get(directory::show).put(directory::save))
        .route("/directory/test", post(directory::test))
        .route("/directory/import", post(directory::import))
        .route("/api-keys", get(api_keys::list).post(api_keys::add))
        .route("/api-keys/{id}", delete(api_keys::revoke))
}

/// Identity leaves unset text empty; the API says `null`.
fn or_null(text: String) -> Value {
    if text.is_empty() {
        Value::Null
    } else {
        Value::String(text)
    }
}

fn user_json(u: User) -> Value {
    json!({
        "id": u.id, "username": u.username, "full_name": u.full_name, "email": u.email,
        "department": u.department, "location": u.location, "role": u.role,
        "status": u.status, "source": u.source, "created_at": u.created_at,
        "locked_until": or_null(u.locked_until), "directory_dn": or_null(u.directory_dn),
    })
}

fn transfer_json(t: OwnershipTransfer) -> Value {
    json!({
        "id": t.id, "from_user_id": t.from_user_id, "from_username": t.from_username,
        "to_user_id": t.to_user_id, "to_username": t.to_username,
        "requested_by": t.requested_by, "delete_user": t.delete_user, "status": t.status,
        "resources": t.resources, "requested_at": t.requested_at,
        "decided_by": or_null(t.decided_by), "decided_at": or_null(t.decided_at),
    })
}

fn users_json(users: Vec<User>) -> Value {
    json!({ "users": users.into_iter().map(user_json).collect::<Vec<_>>() })
}

fn group_json(g: Group) -> Value {
    json!({
        "id": g.id, "name": g.name, "description": g.description, "source": g.source,
        "member_count": g.member_count, "created_at": g.created_at,
    })
}

fn groups_json(groups: Vec<Group>) -> Value {
    json!({ "groups": groups.into_iter().map(group_json).collect::<Vec<_>>() })
}

fn sessions_json(sessions: Vec<Session>) -> Value {
    let sessions: Vec<Value> = sessions
        .into_iter()
        .map(|s| {
            json!({
                "id": s.id, "user_id": s.user_id, "created_at": s.created_at,
                "last_used_at": or_null(s.last_used_at), "expires_at": s.expires_at,
                "ip": or_null(s.ip), "user_agent": or_null(s.user_agent), "current": s.current,
            })
        })
        .collect();
    json!({ "sessions": sessions })
}

/// The outcome of a CSV or directory import, row by row.
fn import_json(r: ImportUsersResponse) -> Value {
    let rows: Vec<Value> = r
        .rows
        .into_iter()
        .map(|row| {
            json!({
                "line": row.line, "username": row.username, "outcome": row.outcome,
                "reason": or_null(row.reason),
            })
        })
        .collect();
    json!({
        "rows": rows, "created": r.created, "skipped": r.skipped, "rejected": r.rejected,
        "rolled_back": r.rolled_back, "warnings": r.warnings,
        "groups_created": r.groups_created,
    })
}
