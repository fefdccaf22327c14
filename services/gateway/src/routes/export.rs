//! Export: the resources, accounts and passwords the caller may see, as a file; and the
//! org's rules on who may export.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::vault as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::vault::{ExportRequest, ExportRule, ExportRuleBody, ExportRules};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, ok};
use crate::routes::request::body;

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(list_rules))
        .routes(routes!(save_rule, delete_rule))
}

#[utoipa::path(
    post,
    path = "/export",
    tag = tags::VAULT,
    summary = "Export what you may see, with passwords, as a file",
    description = "Needs `passwords.export`, or an export rule allowing you or one of your \
                   user groups (`/export-rules`). The live resources you may see (or those listed) \
                   with their accounts, passwords and fields; audited with every account the \
                   file holds before it is written; never cached. An HTML export is one page \
                   that opens offline in a browser and asks for the passphrase.",
    request_body = ExportRequest,
    responses(
        (status = 200, description = "The file, as an attachment",
            content(
                (String = "text/csv"),
                (Vec<u8> = "application/octet-stream"),
                (String = "text/html"),
            ),
            headers(
                ("Content-Disposition" = String, description = "`attachment; filename=...`"),
                ("Cache-Control" = String, description = "`no-store`"),
            )),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn export(State(state): State<Gateway>, Caller(ctx): Caller, bytes: Bytes) -> ApiResult {
    let b: ExportRequest = body(&bytes)?;
    let mut stream = state
        .vault
        .clone()
        .export(outgoing(
            &ctx,
            pb::ExportRequest {
                format: b.format,
                passphrase: b.passphrase,
                resource_ids: b.resource_ids,
                group_id: b.group_id,
                ticket_id: b.ticket_id,
            },
        ))
        .await?
        .into_inner();
    let (mut content, mut content_type, mut file_name) = (Vec::new(), String::new(), String::new());
    while let Some(chunk) = stream.message().await? {
        if content_type.is_empty() {
            content_type = chunk.content_type;
            file_name = chunk.file_name;
        }
        content.extend_from_slice(&chunk.content);
    }
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    let content_type = HeaderValue::from_str(&content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        content,
    )
        .into_response())
}

#[utoipa::path(
    get,
    path = "/export-rules",
    tag = tags::VAULT,
    summary = "Who may export, besides or despite their role",
    description = "A rule for a user decides for them; otherwise the rules of their user \
                   groups (a denial among them wins); otherwise their role's \
                   `passwords.export`. Needs `vault_settings.manage`.",
    responses(
        (status = 200, description = "The org's export rules", body = ExportRules),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn list_rules(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let rules = state
        .vault
        .clone()
        .list_export_rules(outgoing(&ctx, pb::ListExportRulesRequest {}))
        .await?
        .into_inner();
    ok(ExportRules::from(rules))
}

#[utoipa::path(
    put,
    path = "/export-rules/{principal_kind}/{principal_id}",
    tag = tags::VAULT,
    summary = "Turn exporting on or off for a user or a user group",
    description = "The user must be an active user of the org, the group one of its user \
                   groups (400 otherwise). Turning it on needs `passwords.export` yourself \
                   (403). Needs `vault_settings.manage`, signed in; audited.",
    params(
        ("principal_kind" = String, Path, description = "`user` or `group`"),
        ("principal_id" = String, Path, description = "The user's or group's id"),
    ),
    request_body = ExportRuleBody,
    responses(
        (status = 200, description = "The rule as saved", body = ExportRule),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn save_rule(
    State(state): State<Gateway>,
    Path((principal_kind, principal_id)): Path<(String, String)>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: ExportRuleBody = body(&bytes)?;
    let rule = state
        .vault
        .clone()
        .save_export_rule(outgoing(
            &ctx,
            pb::ExportRule {
                principal_kind,
                principal_id,
                allowed: b.allowed,
                ..Default::default()
            },
        ))
        .await?
        .into_inner();
    ok(ExportRule::from(rule))
}

#[utoipa::path(
    delete,
    path = "/export-rules/{principal_kind}/{principal_id}",
    tag = tags::VAULT,
    summary = "Remove a user's or a user group's export rule",
    description = "Their roles (or other rules) decide again. Needs `vault_settings.manage`, \
                   signed in; audited.",
    params(
        ("principal_kind" = String, Path, description = "`user` or `group`"),
        ("principal_id" = String, Path, description = "The user's or group's id"),
    ),
    responses(
        (status = 200, description = "The rules left", body = ExportRules),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn delete_rule(
    State(state): State<Gateway>,
    Path((principal_kind, principal_id)): Path<(String, String)>,
    Caller(ctx): Caller,
) -> ApiResult {
    let rules = state
        .vault
        .clone()
        .delete_export_rule(outgoing(
            &ctx,
            pb::ExportRule {
                principal_kind,
                principal_id,
                ..Default::default()
            },
        ))
        .await?
        .into_inner();
    ok(ExportRules::from(rules))
}
