//! The edge of personal passwords: the store, its passphrase and its entries.

use secrecy::SecretString;
use strongroom_auth::grpc_context;
use strongroom_proto::vault::*;
use tonic::{Request, Response, Status};

use crate::personal::PersonalEntry as PersonalSpec;

use super::edge::{OrStatus, VaultGrpc};
use super::messages::{personal_entry, personal_status, time};

pub(super) async fn get_personal_status(
    g: &VaultGrpc,
    request: Request<PersonalStatusRequest>,
) -> Result<Response<PersonalStatus>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let status = g.app.personal_status(&ctx).await.or_status()?;
    Ok(Response::new(personal_status(status)))
}

pub(super) async fn set_up_personal_store(
    g: &VaultGrpc,
    request: Request<PersonalPassphrase>,
) -> Result<Response<PersonalStatus>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let passphrase = SecretString::from(request.into_inner().passphrase);
    g.app.set_up_personal(&ctx, passphrase).await.or_status()?;
    Ok(Response::new(PersonalStatus {
        exists: true,
        entries: 0,
    }))
}

pub(super) async fn unlock_personal_store(
    g: &VaultGrpc,
    request: Request<PersonalPassphrase>,
) -> Result<Response<PersonalUnlock>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let passphrase = SecretString::from(request.into_inner().passphrase);
    let (token, expires) = g.app.unlock_personal(&ctx, passphrase).await.or_status()?;
    Ok(Response::new(PersonalUnlock {
        token: token.to_string(),
        expires_at: chrono::DateTime::from_timestamp(expires, 0)
            .map(time)
            .unwrap_or_default(),
    }))
}

pub(super) async fn change_personal_passphrase(
    g: &VaultGrpc,
    request: Request<ChangePersonalPassphraseRequest>,
) -> Result<Response<PersonalStatus>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    g.app
        .change_personal_passphrase(
            &ctx,
            SecretString::from(req.current),
            SecretString::from(req.new),
        )
        .await
        .or_status()?;
    let status = g.app.personal_status(&ctx).await.or_status()?;
    Ok(Response::new(personal_status(status)))
}

pub(super) async fn delete_personal_store(
    g: &VaultGrpc,
    request: Request<DeletePersonalStoreRequest>,
) -> Result<Response<PersonalStatus>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    g.app
        .delete_personal(&ctx, &request.get_ref().confirm)
        .await
        .or_status()?;
    Ok(Response::new(PersonalStatus {
        exists: false,
        entries: 0,
    }))
}

pub(super) async fn list_personal_entries(
    g: &VaultGrpc,
    request: Request<PersonalUnlockRef>,
) -> Result<Response<PersonalEntries>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let entries = g
        .app
        .list_personal(&ctx, &request.get_ref().token)
        .await
        .or_status()?;
    Ok(Response::new(PersonalEntries {
        entries: entries.into_iter().map(personal_entry).collect(),
    }))
}

pub(super) async fn save_personal_entry(
    g: &VaultGrpc,
    request: Request<PersonalEntryInput>,
) -> Result<Response<PersonalEntry>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let id = if req.id.is_empty() {
        None
    } else {
        Some(
            uuid::Uuid::parse_str(&req.id)
                .map_err(|_| Status::not_found("personal entry not found"))?,
        )
    };
    let entry = PersonalSpec {
        title: req.title.clone(),
        username: req.username.clone(),
        password: req.password.clone(),
        url: req.url.clone(),
        notes: req.notes.clone(),
    };
    let saved = g
        .app
        .save_personal(&ctx, &req.token, id, entry)
        .await
        .or_status()?;
    Ok(Response::new(personal_entry(saved)))
}

pub(super) async fn delete_personal_entry(
    g: &VaultGrpc,
    request: Request<PersonalEntryRef>,
) -> Result<Response<PersonalEntryRef>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let id = uuid::Uuid::parse_str(&req.id)
        .map_err(|_| Status::not_found("personal entry not found"))?;
    g.app
        .delete_personal_entry(&ctx, &req.token, id)
        .await
        .or_status()?;
    Ok(Response::new(PersonalEntryRef {
        token: String::new(),
        id: req.id,
    }))
}
