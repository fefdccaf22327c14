//! An account's password: reveal it, set a new one, and its history (list, reveal and
//! revert to an earlier version). The layout is `resources.rs`'.

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::vault as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::vault::{
    NewPassword, PasswordHistory, PasswordVersion, Reason, RevealQuery, RevealedPassword,
};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, ok, secret};
use crate::routes::request::{body, query};

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(reveal_password, set_password))
        .routes(routes!(password_history))
        .routes(routes!(reveal_version))
        .routes(routes!(revert_password))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/password",
    tag = tags::VAULT,
    summary = "Reveal an account's password",
    description = "To its owner and to those it is shared with at View access or more; \
                   anyone else gets 404. Under access control, only during your checkout. \
                   Where the org checks tickets before reveals, give `ticket_id` (403 with \
                   the ticketing system's reason otherwise). Every reveal is audited, with \
                   the reason and ticket given; the reply is never cached \
                   (`Cache-Control: no-store`).",
    params(("id" = String, Path, description = "The account"), RevealQuery),
    responses(
        (status = 200, description = "The password", body = RevealedPassword,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn reveal_password(
    State(state): State<Gateway>,
    Path(account_id): Path<String>,
    Caller(ctx): Caller,
    uri: Uri,
) -> ApiResult {
    let q: RevealQuery = query(&uri)?;
    let password = state.reveals.reveal(&ctx, account_id, q).await?;
    secret(StatusCode::OK, RevealedPassword { password })
}

#[utoipa::path(
    put,
    path = "/accounts/{id}/password",
    tag = tags::VAULT,
    summary = "Set a new password (or generate one), with a reason",
    description = "Sealed as the account's next version; the earlier ones stay in its \
                   history. A password breaking the resource's password policy is refused \
                   (400 naming the rule, reuse of recent ones included); `generate` makes one \
                   that satisfies it (reveal it to read it). Audited with the reason, never \
                   the password.",
    params(("id" = String, Path, description = "The account")),
    request_body = NewPassword,
    responses(
        (status = 200, description = "The new version", body = PasswordVersion),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn set_password(
    State(state): State<Gateway>,
    Path(account_id): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: NewPassword = body(&bytes)?;
    let v = state
        .vault
        .clone()
        .set_password(outgoing(
            &ctx,
            pb::SetPasswordRequest {
                account_id,
                password: b.password,
                reason: b.reason,
                generate: b.generate,
            },
        ))
        .await?
        .into_inner();
    ok(PasswordVersion::from(v))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/password-history",
    tag = tags::VAULT,
    summary = "Every version of an account's password: who set it, when and why",
    description = "Never the passwords; to those who may reveal the account.",
    params(("id" = String, Path, description = "The account")),
    responses(
        (status = 200, description = "Newest first", body = PasswordHistory),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn password_history(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    let h = state
        .vault
        .clone()
        .list_password_history(outgoing(&ctx, pb::AccountRef { id }))
        .await?
        .into_inner();
    ok(PasswordHistory {
        versions: h.versions.into_iter().map(PasswordVersion::from).collect(),
    })
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/password-history/{version}/password",
    tag = tags::VAULT,
    summary = "Reveal an earlier version of an account's password",
    description = "To those who may reveal the account, with a ticket where the org checks \
                   tickets before reveals; audited with the reason and ticket, never cached \
                   (`Cache-Control: no-store`).",
    params(
        ("id" = String, Path, description = "The account"),
        ("version" = u32, Path, description = "The version"),
        RevealQuery,
    ),
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
async fn reveal_version(
    State(state): State<Gateway>,
    Path((account_id, version)): Path<(String, String)>,
    Caller(ctx): Caller,
    uri: Uri,
) -> ApiResult {
    let q: RevealQuery = query(&uri)?;
    let r = state
        .vault
        .clone()
        .reveal_password_version(outgoing(
            &ctx,
            pb::RevealPasswordVersionRequest {
                account_id,
                version: version_number(&version),
                reason: q.reason,
                ticket_id: q.ticket_id,
            },
        ))
        .await?
        .into_inner();
    secret(
        StatusCode::OK,
        RevealedPassword {
            password: r.password,
        },
    )
}

#[utoipa::path(
    post,
    path = "/accounts/{id}/password-history/{version}/revert",
    tag = tags::VAULT,
    summary = "Make an earlier password current again",
    description = "The earlier password becomes the account's next version (kind \
                   `reverted`). Audited with the reason.",
    params(
        ("id" = String, Path, description = "The account"),
        ("version" = u32, Path, description = "The version to make current"),
    ),
    request_body = Reason,
    responses(
        (status = 200, description = "The new version", body = PasswordVersion),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn revert_password(
    State(state): State<Gateway>,
    Path((account_id, version)): Path<(String, String)>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: Reason = body(&bytes)?;
    let v = state
        .vault
        .clone()
        .revert_password(outgoing(
            &ctx,
            pb::RevertPasswordRequest {
                account_id,
                version: version_number(&version),
                reason: b.reason,
            },
        ))
        .await?
        .into_inner();
    ok(PasswordVersion::from(v))
}

/// A version in a path; one that is not a number names no version (0, which the vault
/// answers as not found).
fn version_number(text: &str) -> u32 {
    text.parse().unwrap_or(0)
}
