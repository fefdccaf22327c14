//! The edge of resource groups: list, add, edit, delete, members, policy and report.

use strongroom_auth::grpc_context;
use strongroom_core::AccountId;
use strongroom_core::ResourceId;
use strongroom_proto::vault::*;
use tonic::{Request, Response, Status};

use crate::groups::DEFAULT_GROUP;
use crate::groups::GroupRef;

use super::edge::{OrStatus, VaultGrpc, id};
use super::messages::{group_input, group_message, group_ref, stored_group};

pub(super) async fn list_resource_groups(
    g: &VaultGrpc,
    request: Request<ListResourceGroupsRequest>,
) -> Result<Response<ResourceGroups>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let views = g.app.list_groups(&ctx).await.or_status()?;
    let default = g
        .app
        .group_resource_ids(&ctx, GroupRef::Default)
        .await
        .or_status()?;
    let mut groups = vec![ResourceGroup {
        id: DEFAULT_GROUP.into(),
        name: "Default Group".into(),
        kind: "default".into(),
        description: "All the resources created by me".into(),
        owner_id: ctx.user().to_string(),
        resources: u32::try_from(default.len()).unwrap_or(u32::MAX),
        ..Default::default()
    }];
    groups.extend(
        views
            .into_iter()
            .map(|v| group_message(v.group, v.resources)),
    );
    Ok(Response::new(ResourceGroups { groups }))
}

pub(super) async fn create_resource_group(
    g: &VaultGrpc,
    request: Request<ResourceGroupInput>,
) -> Result<Response<ResourceGroup>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let input = group_input(request.into_inner())?;
    let group = g.app.create_group(&ctx, input).await.or_status()?;
    Ok(Response::new(group_message(group, 0)))
}

pub(super) async fn update_resource_group(
    g: &VaultGrpc,
    request: Request<ResourceGroupInput>,
) -> Result<Response<ResourceGroup>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let id = stored_group(&req.id)?;
    let input = group_input(req)?;
    let group = g.app.update_group(&ctx, id, input).await.or_status()?;
    let resources = g
        .app
        .group_resource_ids(&ctx, GroupRef::Stored(id))
        .await
        .or_status()?
        .len();
    Ok(Response::new(group_message(group, resources)))
}

pub(super) async fn delete_resource_group(
    g: &VaultGrpc,
    request: Request<DeleteRequest>,
) -> Result<Response<DeletedGroups>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let id = stored_group(&req.id)?;
    let groups = g
        .app
        .delete_group(&ctx, id, &req.confirm)
        .await
        .or_status()?;
    Ok(Response::new(DeletedGroups {
        groups: u32::try_from(groups).unwrap_or(u32::MAX),
    }))
}

pub(super) async fn set_group_member(
    g: &VaultGrpc,
    request: Request<GroupMember>,
) -> Result<Response<GroupMember>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let group = stored_group(&req.group_id)?;
    match req.kind.as_str() {
        "resource" => {
            let member = id(ResourceId::parse(&req.member_id), "resource")?;
            g.app
                .set_group_resource(&ctx, group, member, req.member)
                .await
        }
        "account" => {
            let member = id(AccountId::parse(&req.member_id), "account")?;
            g.app
                .set_group_account(&ctx, group, member, req.member)
                .await
        }
        _ => return Err(Status::invalid_argument("kind must be resource or account")),
    }
    .or_status()?;
    Ok(Response::new(req))
}

pub(super) async fn set_group_policy(
    g: &VaultGrpc,
    request: Request<GroupPolicyRequest>,
) -> Result<Response<GroupPolicyResult>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let group =
        group_ref(&req.group_id)?.ok_or_else(|| Status::not_found("resource group not found"))?;
    let resources = g
        .app
        .set_group_policy(&ctx, group, &req.password_policy)
        .await
        .or_status()?;
    Ok(Response::new(GroupPolicyResult { resources }))
}

pub(super) async fn get_group_report(
    g: &VaultGrpc,
    request: Request<GroupReportRequest>,
) -> Result<Response<GroupReport>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let group =
        group_ref(&req.group_id)?.ok_or_else(|| Status::not_found("resource group not found"))?;
    let days = if req.days == 0 {
        90
    } else {
        i32::try_from(req.days).unwrap_or(i32::MAX)
    };
    let rows = g.app.group_report(&ctx, group, days).await.or_status()?;
    Ok(Response::new(GroupReport {
        rows: rows
            .into_iter()
            .map(|r| GroupReportRow {
                resource_type: r.resource_type,
                resources: u64::try_from(r.resources).unwrap_or_default(),
                accounts: u64::try_from(r.accounts).unwrap_or_default(),
                stale_passwords: u64::try_from(r.stale_passwords).unwrap_or_default(),
            })
            .collect(),
    }))
}
