//! Password policies for resources: the built-in ones and the org's own, and passwords
//! generated from them. The layout is `resources.rs`'.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::vault as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::vault::{
    PasswordPolicy, PasswordPolicyList, PasswordPolicyRules, RevealedPassword,
};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, no_content, ok, secret};
use crate::routes::request::body;

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(list_policies))
        .routes(routes!(save_policy, delete_policy))
        .routes(routes!(generate_password))
}

#[utoipa::path(
    get,
    path = "/password-policies",
    tag = tags::VAULT,
    summary = "The password policies: built in (low, medium, strong) and the org's own",
    responses(
        (status = 200, description = "Built-in first, then by name", body = PasswordPolicyList),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn list_policies(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let list = state
        .vault
        .clone()
        .list_password_policies(outgoing(&ctx, pb::ListPasswordPoliciesRequest {}))
        .await?
        .into_inner();
    ok(PasswordPolicyList {
        policies: list
            .policies
            .into_iter()
            .map(PasswordPolicy::from)
            .collect(),
    })
}

#[utoipa::path(
    put,
    path = "/password-policies/{name}",
    tag = tags::VAULT,
    summary = "Add a custom password policy, or change one's rules",
    description = "A policy no password could satisfy is refused (400 naming why); the \
                   built-in ones cannot change (409). Needs `vault_settings.manage`; \
                   audited.",
    params(("name" = String, Path, description = "The policy's name")),
    request_body = PasswordPolicyRules,
    responses(
        (status = 200, description = "The policy as saved", body = PasswordPolicy),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn save_policy(
    State(state): State<Gateway>,
    Path(name): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: PasswordPolicyRules = body(&bytes)?;
    let p = state
        .vault
        .clone()
        .save_password_policy(outgoing(
            &ctx,
            pb::PasswordPolicy {
                name,
                min_length: b.min_length,
                max_length: b.max_length,
                min_lowercase: b.min_lowercase,
                min_uppercase: b.min_uppercase,
                min_digits: b.min_digits,
                min_specials: b.min_specials,
                must_start_with_letter: b.must_start_with_letter,
                forbidden_characters: b.forbidden_characters,
                reuse_forbidden: b.reuse_forbidden,
                max_age_days: b.max_age_days.unwrap_or(0),
                built_in: false,
            },
        ))
        .await?
        .into_inner();
    ok(PasswordPolicy::from(p))
}

#[utoipa::path(
    delete,
    path = "/password-policies/{name}",
    tag = tags::VAULT,
    summary = "Delete a custom password policy no resource uses",
    description = "Needs `vault_settings.manage`; a policy still named by a resource is \
                   refused (409). Audited.",
    params(("name" = String, Path, description = "The policy's name")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn delete_policy(
    State(state): State<Gateway>,
    Path(name): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    state
        .vault
        .clone()
        .delete_password_policy(outgoing(&ctx, pb::PasswordPolicyRef { name }))
        .await?;
    no_content()
}

#[utoipa::path(
    post,
    path = "/password-policies/{name}/generate",
    tag = tags::VAULT,
    summary = "A password the policy accepts",
    description = "Nothing is stored; never cached (`Cache-Control: no-store`).",
    params(("name" = String, Path, description = "The policy's name")),
    responses(
        (status = 200, description = "The password", body = RevealedPassword,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn generate_password(
    State(state): State<Gateway>,
    Path(name): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let r = state
        .vault
        .clone()
        .generate_password(outgoing(&ctx, pb::PasswordPolicyRef { name }))
        .await?
        .into_inner();
    secret(
        StatusCode::OK,
        RevealedPassword {
            password: r.password,
        },
    )
}
