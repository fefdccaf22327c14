//! The edge of export: the file, streamed in chunks, and the export rules.

use secrecy::SecretString;
use strongroom_auth::grpc_context;
use strongroom_core::ResourceId;
use strongroom_proto::vault::*;
use tonic::{Request, Response, Status};

use crate::export::ExportFormat;
use crate::export_rules::Principal;

use super::edge::{OrStatus, VaultGrpc, id};
use super::messages::{export_rule, export_rules, group_ref};

/// The export file, a chunk a message.
pub(super) type ExportStream =
    std::pin::Pin<Box<dyn futures::Stream<Item = Result<ExportChunk, Status>> + Send + 'static>>;

pub(super) async fn export(
    g: &VaultGrpc,
    request: Request<ExportRequest>,
) -> Result<Response<ExportStream>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let format = ExportFormat::parse(&req.format)
        .ok_or_else(|| Status::invalid_argument("format must be csv, keepass or html"))?;
    let only = req
        .resource_ids
        .iter()
        .map(|r| id(ResourceId::parse(r), "resource").map(|r| r.0))
        .collect::<Result<Vec<_>, Status>>()?;
    let file = g
        .app
        .export(
            &ctx,
            format,
            SecretString::from(req.passphrase),
            only,
            group_ref(&req.group_id)?,
            &req.ticket_id,
        )
        .await
        .or_status()?;
    // At most 1 MiB a message, far under gRPC's 4 MiB limit.
    let mut chunks: Vec<Result<ExportChunk, Status>> = file
        .content
        .chunks(1 << 20)
        .map(|c| {
            Ok(ExportChunk {
                content: c.to_vec(),
                content_type: String::new(),
                file_name: String::new(),
            })
        })
        .collect();
    match chunks.first_mut() {
        Some(Ok(first)) => {
            first.content_type = file.content_type.into();
            first.file_name = file.file_name.clone();
        }
        _ => chunks.push(Ok(ExportChunk {
            content: Vec::new(),
            content_type: file.content_type.into(),
            file_name: file.file_name.clone(),
        })),
    }
    Ok(Response::new(Box::pin(futures::stream::iter(chunks))))
}

pub(super) async fn list_export_rules(
    g: &VaultGrpc,
    request: Request<ListExportRulesRequest>,
) -> Result<Response<ExportRules>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let rows = g.app.list_export_rules(&ctx).await.or_status()?;
    Ok(Response::new(export_rules(rows)))
}

pub(super) async fn save_export_rule(
    g: &VaultGrpc,
    request: Request<ExportRule>,
) -> Result<Response<ExportRule>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.get_ref();
    let principal = Principal::parse(&req.principal_kind, &req.principal_id).or_status()?;
    let row = g
        .app
        .save_export_rule(&ctx, principal, req.allowed)
        .await
        .or_status()?;
    Ok(Response::new(export_rule(row)))
}

pub(super) async fn delete_export_rule(
    g: &VaultGrpc,
    request: Request<ExportRule>,
) -> Result<Response<ExportRules>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.get_ref();
    let principal = Principal::parse(&req.principal_kind, &req.principal_id).or_status()?;
    let rows = g
        .app
        .delete_export_rule(&ctx, principal)
        .await
        .or_status()?;
    Ok(Response::new(export_rules(rows)))
}
