//! The edge of target descriptions: the access service's questions about what it decides on.

use strongroom_auth::grpc_context;
use strongroom_proto::vault::{
    AccessControlledRequest, AccessControlledResponse, DescribeTargetsRequest, TargetDescription,
    TargetDescriptions, TargetToDescribe,
};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::targets::TargetRef;

use super::edge::{OrStatus, VaultGrpc};

/// A target named by kind and id; a malformed id names nothing (described as not found).
fn target(t: &TargetToDescribe) -> Result<Option<TargetRef>, Status> {
    let Ok(id) = Uuid::try_parse(&t.id) else {
        return Ok(None);
    };
    Ok(Some(match t.kind.as_str() {
        "account" => TargetRef::Account(id),
        "resource" => TargetRef::Resource(id),
        "resource_group" => TargetRef::ResourceGroup(id),
        other => {
            return Err(Status::invalid_argument(format!(
                "a target is an account, resource or resource_group, not {other:?}"
            )));
        }
    }))
}

pub(super) async fn describe_targets(
    g: &VaultGrpc,
    request: Request<DescribeTargetsRequest>,
) -> Result<Response<TargetDescriptions>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let asked = request
        .get_ref()
        .targets
        .iter()
        .map(target)
        .collect::<Result<Vec<_>, _>>()?;
    let known: Vec<TargetRef> = asked.iter().flatten().copied().collect();
    let mut facts = g
        .app
        .describe_targets(&ctx, &known)
        .await
        .or_status()?
        .into_iter();
    let targets = asked
        .iter()
        .map(|t| {
            t.and_then(|_| facts.next().flatten())
                .map_or_else(TargetDescription::default, |f| TargetDescription {
                    found: true,
                    owner_id: f.owner.to_string(),
                    resource_id: f.resource.map(|r| r.to_string()).unwrap_or_default(),
                    name: f.name,
                    resource_ids: f.resources.iter().map(|(r, _)| r.to_string()).collect(),
                    resource_owner_ids: f.resources.iter().map(|(_, o)| o.to_string()).collect(),
                    trashed: f.trashed,
                    dynamic: f.dynamic,
                    access_controlled: f.access_controlled,
                })
        })
        .collect();
    Ok(Response::new(TargetDescriptions { targets }))
}

pub(super) async fn set_access_controlled(
    g: &VaultGrpc,
    request: Request<AccessControlledRequest>,
) -> Result<Response<AccessControlledResponse>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.get_ref();
    let ids = |ids: &[String]| -> Result<Vec<Uuid>, Status> {
        ids.iter()
            .map(|id| {
                Uuid::try_parse(id).map_err(|_| Status::invalid_argument("ids must be UUIDs"))
            })
            .collect()
    };
    let changed = g
        .app
        .set_access_controlled(
            &ctx,
            &ids(&req.resource_ids)?,
            &ids(&req.account_ids)?,
            req.on,
        )
        .await
        .or_status()?;
    Ok(Response::new(AccessControlledResponse {
        changed: u32::try_from(changed).unwrap_or(u32::MAX),
    }))
}
