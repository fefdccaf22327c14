//! The edge of data keys (rotation and its schedule) and other services' sealed settings.

use strongroom_auth::grpc_context;
use strongroom_proto::vault::*;
use strongroom_trust::caller_of;
use tonic::{Request, Response, Status};

use super::edge::{OrStatus, VaultGrpc, org_id};
use super::messages::{rotation_message, schedule_message, time};

pub(super) async fn seal_setting(
    g: &VaultGrpc,
    request: Request<SealSettingRequest>,
) -> Result<Response<SealedSetting>, Status> {
    let service = caller_of(&request)?;
    let req = request.into_inner();
    let org = org_id(&req.org_id)?;
    let sealed = g
        .app
        .seal_setting(service, org, &req.name, &req.plaintext)
        .await
        .or_status()?;
    Ok(Response::new(SealedSetting { sealed }))
}

pub(super) async fn open_setting(
    g: &VaultGrpc,
    request: Request<OpenSettingRequest>,
) -> Result<Response<OpenedSetting>, Status> {
    let service = caller_of(&request)?;
    let req = request.into_inner();
    let org = org_id(&req.org_id)?;
    let plaintext = g
        .app
        .open_setting(service, org, &req.name, &req.sealed)
        .await
        .or_status()?;
    Ok(Response::new(OpenedSetting {
        plaintext: plaintext.to_vec(),
    }))
}

pub(super) async fn rotate_data_key(
    g: &VaultGrpc,
    request: Request<RotateDataKeyRequest>,
) -> Result<Response<KeyRotation>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let rotation = g.app.rotate_data_key(&ctx).await.or_status()?;
    Ok(Response::new(rotation_message(rotation)))
}

pub(super) async fn get_data_keys(
    g: &VaultGrpc,
    request: Request<GetDataKeysRequest>,
) -> Result<Response<DataKeys>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let keys = g.app.data_keys(&ctx).await.or_status()?;
    Ok(Response::new(DataKeys {
        versions: keys
            .versions
            .into_iter()
            .map(|v| DataKeyVersion {
                version: v.version,
                created_at: time(v.created_at),
                sealed: u64::try_from(v.sealed).unwrap_or_default(),
            })
            .collect(),
        rotation: keys.rotation.map(rotation_message),
        schedule: Some(schedule_message(keys.schedule)),
    }))
}

pub(super) async fn set_key_rotation_schedule(
    g: &VaultGrpc,
    request: Request<KeyRotationSchedule>,
) -> Result<Response<KeyRotationSchedule>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let schedule = g
        .app
        .set_rotation_schedule(&ctx, request.get_ref().every_days)
        .await
        .or_status()?;
    Ok(Response::new(schedule_message(schedule)))
}
