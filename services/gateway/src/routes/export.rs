//! Export: the resources, accounts and passwords the caller may see, as a file.

use axum::extract::State;
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
use crate::dto::vault::ExportRequest;
use crate::openapi::tags;
use crate::routes::{ApiResult, body};

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new().routes(routes!(export))
}

#[utoipa::path(
    post,
    path = "/export",
    tag = tags::VAULT,
    summary = "Export what you may see, with passwords, as a file",
    description = "Needs `passwords.export`. The live resources you may see (or those listed) \
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
