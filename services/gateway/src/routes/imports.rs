//! Imports: a file of resources and accounts (CSV, tab-separated, Bitwarden, Password
//! Manager Pro, KeePass; plain or zipped) in a dry run or as a job. The layout is
//! `resources.rs'`.

use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::Uri;
use base64::Engine;
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_core::ErrorCode;
use strongroom_proto::vault as pb;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable,
};
use crate::dto::imports::{
    DryRun, ImportBody, ImportJob, ImportJobDetail, ImportJobList, ImportResult, ResultsQuery,
};
use crate::error::ApiError;
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, accepted, ok};
use crate::routes::request::{body, query, upload};

/// The file's limit (20 MiB) in base64, with room for the rest of the body.
const MAX_BODY: usize = 28 * 1024 * 1024;

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(start_routes())
        .routes(routes!(list_imports))
        .routes(routes!(get_import))
}

fn start_routes() -> UtoipaMethodRouter<Gateway> {
    routes!(start_import).layer(DefaultBodyLimit::max(MAX_BODY))
}

#[utoipa::path(
    post,
    path = "/imports",
    tag = tags::VAULT,
    summary = "Import resources and accounts from a file",
    description = "A dry run answers every row's outcome (created, updated, skipped, rejected \
                   with the reason) and changes nothing (200). A real run starts a job (202) \
                   whose progress and results `GET /imports/{id}` reads while it runs; rows \
                   become resources, accounts and resource groups of yours through the same \
                   rules and audit events as by hand. A file that cannot be read (wrong \
                   password, damaged, over a limit: 20 MiB, 50,000 rows, 64 KiB a field, a \
                   ZIP entry of 50 MiB) is a 400 and changes nothing. Needs `resources.create`.",
    request_body = ImportBody,
    responses(
        (status = 200, description = "A dry run's outcomes", body = DryRun),
        (status = 202, description = "The job", body = ImportJob),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn start_import(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let bytes = match upload(bytes, 20) {
        Ok(bytes) => bytes,
        Err(too_large) => return Ok(*too_large),
    };
    let b: ImportBody = body(&bytes)?;
    let file = base64::engine::general_purpose::STANDARD
        .decode(b.file_base64.trim())
        .map_err(|_| ApiError::new(ErrorCode::InvalidArgument, "file_base64 is not base64"))?;
    let (zipped, zip_password, zip_file_name) = match b.zip {
        Some(z) => (true, z.password, z.file_name),
        None => (false, String::new(), String::new()),
    };
    let started = state
        .vault
        .clone()
        .start_import(outgoing(
            &ctx,
            pb::ImportRequest {
                format: b.format,
                file,
                zipped,
                zip_password,
                zip_file_name,
                keepass_password: b.keepass_password,
                column_mapping: b.column_mapping.into_iter().collect(),
                dry_run: b.dry_run,
                on_conflict: b.on_conflict,
            },
        ))
        .await?
        .into_inner();
    match started.job {
        Some(job) if !started.dry_run => accepted(ImportJob::from(job)),
        _ => ok(DryRun {
            dry_run: true,
            results: started
                .results
                .into_iter()
                .map(ImportResult::from)
                .collect(),
        }),
    }
}

#[utoipa::path(
    get,
    path = "/imports",
    tag = tags::VAULT,
    summary = "Your imports, newest first",
    responses(
        (status = 200, description = "The jobs", body = ImportJobList),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn list_imports(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let jobs = state
        .vault
        .clone()
        .list_imports(outgoing(&ctx, pb::ListImportsRequest {}))
        .await?
        .into_inner();
    ok(ImportJobList {
        jobs: jobs.jobs.into_iter().map(ImportJob::from).collect(),
    })
}

#[utoipa::path(
    get,
    path = "/imports/{id}",
    tag = tags::VAULT,
    summary = "An import's progress and its rows' outcomes",
    params(("id" = String, Path, description = "The import"), ResultsQuery),
    responses(
        (status = 200, description = "The job and a page of its results", body = ImportJobDetail),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn get_import(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    uri: Uri,
) -> ApiResult {
    let q: ResultsQuery = query(&uri)?;
    let d = state
        .vault
        .clone()
        .get_import(outgoing(
            &ctx,
            pb::GetImportRequest {
                id,
                offset: q.offset,
                limit: q.limit,
            },
        ))
        .await?
        .into_inner();
    ok(ImportJobDetail {
        job: ImportJob::from(d.job.unwrap_or_default()),
        results: d.results.into_iter().map(ImportResult::from).collect(),
    })
}
