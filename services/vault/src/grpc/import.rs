//! The edge of import: start one (or a dry run), read a job and list them.

use strongroom_auth::grpc_context;
use strongroom_formats::import::Format;
use strongroom_formats::import::ZipOptions;
use strongroom_proto::vault::*;
use tonic::{Request, Response, Status};
use zeroize::Zeroizing;

use crate::import::ImportRequest as ImportSpec;
use crate::import::ImportStarted as Started;
use crate::import::OnConflict;

use super::edge::{OrStatus, VaultGrpc};
use super::messages::{import_column, import_job, import_result};

pub(super) async fn start_import(
    g: &VaultGrpc,
    request: Request<ImportRequest>,
) -> Result<Response<ImportStarted>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let format = match req.format.as_str() {
        "csv" => Format::Csv,
        "tsv" => Format::Tsv,
        "bitwarden" => Format::Bitwarden,
        "pmp" => Format::Pmp,
        "keepass" => Format::Keepass,
        _ => {
            return Err(Status::invalid_argument(
                "format must be csv, tsv, bitwarden, pmp or keepass",
            ));
        }
    };
    let on_conflict = match req.on_conflict.as_str() {
        "" | "skip" => OnConflict::Skip,
        "update" => OnConflict::Update,
        _ => {
            return Err(Status::invalid_argument(
                "on_conflict must be skip or update",
            ));
        }
    };
    let column_mapping = req
        .column_mapping
        .into_iter()
        .map(|(file_column, target)| Ok((file_column, import_column(&target)?)))
        .collect::<Result<Vec<_>, Status>>()?;
    let secret = |s: String| (!s.is_empty()).then(|| Zeroizing::new(s));
    let zip = req.zipped.then(|| ZipOptions {
        password: secret(req.zip_password),
        file_name: (!req.zip_file_name.is_empty()).then_some(req.zip_file_name),
    });
    let started = g
        .app
        .start_import(
            &ctx,
            ImportSpec {
                format,
                file: Zeroizing::new(req.file),
                zip,
                keepass_password: secret(req.keepass_password),
                column_mapping,
                dry_run: req.dry_run,
                on_conflict,
            },
        )
        .await
        .or_status()?;
    Ok(Response::new(match started {
        Started::DryRun(results) => ImportStarted {
            job: None,
            results: results.into_iter().map(import_result).collect(),
            dry_run: true,
        },
        Started::Job(job) => ImportStarted {
            job: Some(import_job(job)),
            results: Vec::new(),
            dry_run: false,
        },
    }))
}

pub(super) async fn get_import(
    g: &VaultGrpc,
    request: Request<GetImportRequest>,
) -> Result<Response<ImportJobDetail>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let id = uuid::Uuid::parse_str(&req.id).map_err(|_| Status::not_found("import not found"))?;
    let limit = if req.limit == 0 {
        1000
    } else {
        i64::from(req.limit)
    };
    let (job, results) = g
        .app
        .get_import(&ctx, id, i64::from(req.offset), limit)
        .await
        .or_status()?;
    Ok(Response::new(ImportJobDetail {
        job: Some(import_job(job)),
        results: results.into_iter().map(import_result).collect(),
    }))
}

pub(super) async fn list_imports(
    g: &VaultGrpc,
    request: Request<ListImportsRequest>,
) -> Result<Response<ImportJobs>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let jobs = g.app.list_imports(&ctx).await.or_status()?;
    Ok(Response::new(ImportJobs {
        jobs: jobs.into_iter().map(import_job).collect(),
    }))
}
