//! The edge of resources: add, list and search, read, edit, trash, restore, favourites.

use strongroom_auth::grpc_context;
use strongroom_core::AccountId;
use strongroom_core::ResourceId;
use strongroom_core::UserId;
use strongroom_proto::vault::*;
use tonic::{Request, Response, Status};

use crate::resources::ResourceChanges;
use crate::resources::ResourceDetail as Detail;
use crate::store::ResourceFields;
use crate::store::ResourceFilter;
use crate::store::ResourceOrder;

use super::edge::{OrStatus, VaultGrpc, id};
use super::messages::{account, given, group_ref, resource};

pub(super) async fn create_resource(
    g: &VaultGrpc,
    request: Request<CreateResourceRequest>,
) -> Result<Response<Resource>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let fields = ResourceFields {
        name: req.name,
        resource_type: req.resource_type,
        host: req.host,
        url: req.url,
        department: req.department,
        location: req.location,
        description: req.description,
        notes: req.notes,
        password_policy: req.password_policy,
    };
    let r = g
        .app
        .create_resource(&ctx, fields, given(req.fields))
        .await
        .or_status()?;
    Ok(Response::new(resource(r)))
}

pub(super) async fn list_resources(
    g: &VaultGrpc,
    request: Request<ListResourcesRequest>,
) -> Result<Response<ResourcePage>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let owner = if req.owner_id.is_empty() {
        None
    } else {
        Some(
            UserId::parse(&req.owner_id)
                .map_err(|_| Status::invalid_argument("owner_id must be a user id"))?
                .0,
        )
    };
    let order = match ResourceSort::try_from(req.sort) {
        Ok(ResourceSort::Name) => ResourceOrder::Name,
        Ok(ResourceSort::Type) => ResourceOrder::Type,
        Ok(ResourceSort::Host) => ResourceOrder::Host,
        Ok(ResourceSort::Department) => ResourceOrder::Department,
        Ok(ResourceSort::Location) => ResourceOrder::Location,
        Ok(ResourceSort::CreatedAt) => ResourceOrder::CreatedAt,
        Ok(ResourceSort::UpdatedAt) => ResourceOrder::UpdatedAt,
        Err(_) => return Err(Status::invalid_argument("unknown sort")),
    };
    let filter = ResourceFilter {
        words: req.query.split_whitespace().map(str::to_owned).collect(),
        name: req.name,
        host: req.host,
        resource_type: req.resource_type,
        department: req.department,
        location: req.location,
        owner,
        favourites_only: req.favourites_only,
        deleted: req.deleted,
        field_name: req.field_name,
        field_value: req.field_value,
        in_group: None,
        order,
        descending: req.descending,
        offset: i64::from(req.offset),
        limit: i64::from(req.limit),
    };
    let (rows, total) = g
        .app
        .list_resources(&ctx, filter, group_ref(&req.group_id)?)
        .await
        .or_status()?;
    Ok(Response::new(ResourcePage {
        resources: rows.into_iter().map(resource).collect(),
        total: u64::try_from(total).unwrap_or_default(),
    }))
}

pub(super) async fn get_resource(
    g: &VaultGrpc,
    request: Request<ResourceRef>,
) -> Result<Response<ResourceDetail>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let id = id(ResourceId::parse(&request.get_ref().id), "resource")?;
    let Detail {
        resource: r,
        accounts,
    } = g.app.get_resource(&ctx, id).await.or_status()?;
    Ok(Response::new(ResourceDetail {
        resource: Some(resource(r)),
        accounts: accounts.into_iter().map(account).collect(),
    }))
}

pub(super) async fn update_resource(
    g: &VaultGrpc,
    request: Request<UpdateResourceRequest>,
) -> Result<Response<Resource>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let id = id(ResourceId::parse(&req.id), "resource")?;
    let changes = ResourceChanges {
        name: req.name,
        resource_type: req.resource_type,
        host: req.host,
        url: req.url,
        department: req.department,
        location: req.location,
        description: req.description,
        notes: req.notes,
        password_policy: req.password_policy,
    };
    let r = g
        .app
        .update_resource(&ctx, id, changes, given(req.fields))
        .await
        .or_status()?;
    Ok(Response::new(resource(r)))
}

pub(super) async fn delete_resource(
    g: &VaultGrpc,
    request: Request<DeleteRequest>,
) -> Result<Response<Deleted>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let id = id(ResourceId::parse(&req.id), "resource")?;
    let accounts = g
        .app
        .delete_resource(&ctx, id, &req.confirm, req.purge)
        .await
        .or_status()?;
    Ok(Response::new(Deleted {
        accounts: u32::try_from(accounts).unwrap_or(u32::MAX),
        purged: req.purge,
    }))
}

pub(super) async fn restore_resource(
    g: &VaultGrpc,
    request: Request<ResourceRef>,
) -> Result<Response<Resource>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let id = id(ResourceId::parse(&request.get_ref().id), "resource")?;
    let r = g.app.restore_resource(&ctx, id).await.or_status()?;
    Ok(Response::new(resource(r)))
}

pub(super) async fn set_favourite(
    g: &VaultGrpc,
    request: Request<SetFavouriteRequest>,
) -> Result<Response<Favourite>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    match FavouriteKind::try_from(req.kind) {
        Ok(FavouriteKind::Resource) => {
            let id = id(ResourceId::parse(&req.id), "resource")?;
            g.app.set_favourite_resource(&ctx, id, req.favourite).await
        }
        Ok(FavouriteKind::Account) => {
            let id = id(AccountId::parse(&req.id), "account")?;
            g.app.set_favourite_account(&ctx, id, req.favourite).await
        }
        Err(_) => return Err(Status::invalid_argument("unknown favourite kind")),
    }
    .or_status()?;
    Ok(Response::new(Favourite {
        kind: req.kind,
        id: req.id,
        favourite: req.favourite,
    }))
}
