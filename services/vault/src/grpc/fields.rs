//! The edge of resource types, additional fields, and revealing a sealed field value.

use strongroom_auth::grpc_context;
use strongroom_core::AccountId;
use strongroom_core::ResourceId;
use strongroom_proto::vault::*;
use tonic::{Request, Response, Status};

use crate::fields::AdditionalField as AdditionalFieldSpec;
use crate::resource_types::ResourceType as ResourceTypeSpec;
use crate::reveal::Showing;
use crate::store::FieldOwner;

use super::edge::{OrStatus, VaultGrpc, id};
use super::messages::{additional_message, field_kind, field_owner, type_message};

pub(super) async fn list_resource_types(
    g: &VaultGrpc,
    request: Request<ListResourceTypesRequest>,
) -> Result<Response<ResourceTypes>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let types = g.app.list_resource_types(&ctx).await.or_status()?;
    Ok(Response::new(ResourceTypes {
        types: types.into_iter().map(type_message).collect(),
    }))
}

pub(super) async fn save_resource_type(
    g: &VaultGrpc,
    request: Request<ResourceType>,
) -> Result<Response<ResourceType>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let t = request.into_inner();
    let fields = t
        .fields
        .into_iter()
        .map(|f| {
            Ok(crate::resource_types::FieldSpec {
                kind: field_kind(&f.kind)?,
                name: f.name,
                label: f.label,
                required: f.required,
                default: f.default,
            })
        })
        .collect::<Result<Vec<_>, Status>>()?;
    let saved = g
        .app
        .save_resource_type(
            &ctx,
            ResourceTypeSpec {
                name: t.name,
                category: t.category,
                fields,
                built_in: false,
            },
        )
        .await
        .or_status()?;
    Ok(Response::new(type_message(saved)))
}

pub(super) async fn delete_resource_type(
    g: &VaultGrpc,
    request: Request<ResourceTypeRef>,
) -> Result<Response<ResourceTypeRef>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    g.app
        .delete_resource_type(&ctx, &req.name)
        .await
        .or_status()?;
    Ok(Response::new(req))
}

pub(super) async fn list_additional_fields(
    g: &VaultGrpc,
    request: Request<ListAdditionalFieldsRequest>,
) -> Result<Response<AdditionalFields>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let fields = g.app.list_additional_fields(&ctx).await.or_status()?;
    Ok(Response::new(AdditionalFields {
        fields: fields.into_iter().map(additional_message).collect(),
    }))
}

pub(super) async fn save_additional_field(
    g: &VaultGrpc,
    request: Request<AdditionalField>,
) -> Result<Response<AdditionalField>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let f = request.into_inner();
    let saved = g
        .app
        .save_additional_field(
            &ctx,
            AdditionalFieldSpec {
                applies_to: field_owner(&f.applies_to)?,
                name: f.name,
                kind: field_kind(&f.kind)?,
                required: f.required,
            },
        )
        .await
        .or_status()?;
    Ok(Response::new(additional_message(saved)))
}

pub(super) async fn delete_additional_field(
    g: &VaultGrpc,
    request: Request<AdditionalField>,
) -> Result<Response<AdditionalField>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let f = request.into_inner();
    let owner = field_owner(&f.applies_to)?;
    g.app
        .delete_additional_field(&ctx, owner, &f.name)
        .await
        .or_status()?;
    Ok(Response::new(f))
}

pub(super) async fn reveal_field(
    g: &VaultGrpc,
    request: Request<RevealFieldRequest>,
) -> Result<Response<RevealPasswordResponse>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let owner = field_owner(&req.owner_kind)?;
    let id = match owner {
        FieldOwner::Resource => id(ResourceId::parse(&req.id), "resource")?.0,
        FieldOwner::Account => id(AccountId::parse(&req.id), "account")?.0,
    };
    let showing = Showing::parse(&req.reason, &req.ticket_id).or_status()?;
    let value = g
        .app
        .reveal_field(&ctx, owner, id, &req.name, &showing)
        .await
        .or_status()?;
    Ok(Response::new(RevealPasswordResponse {
        password: value.to_string(),
    }))
}
