//! The edge of accounts: add, read, edit, trash, restore, move; and ownership transfer.

use secrecy::SecretString;
use strongroom_auth::grpc_context;
use strongroom_core::AccountId;
use strongroom_core::ResourceId;
use strongroom_core::UserId;
use strongroom_proto::vault::*;
use tonic::{Request, Response, Status};

use crate::accounts::AccountChanges;
use crate::accounts::NewAccount;
use crate::ownership::Heir;

use super::edge::{OrStatus, VaultGrpc, id};
use super::messages::{account, given};

pub(super) async fn create_account(
    g: &VaultGrpc,
    request: Request<CreateAccountRequest>,
) -> Result<Response<Account>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let resource = id(ResourceId::parse(&req.resource_id), "resource")?;
    let new = NewAccount {
        username: req.username,
        password: SecretString::from(req.password),
        notes: req.notes,
        fields: given(req.fields),
    };
    let a = g
        .app
        .create_account(&ctx, resource, new)
        .await
        .or_status()?;
    Ok(Response::new(account(a)))
}

pub(super) async fn get_account(
    g: &VaultGrpc,
    request: Request<AccountRef>,
) -> Result<Response<Account>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let id = id(AccountId::parse(&request.get_ref().id), "account")?;
    let a = g.app.get_account(&ctx, id).await.or_status()?;
    Ok(Response::new(account(a)))
}

pub(super) async fn update_account(
    g: &VaultGrpc,
    request: Request<UpdateAccountRequest>,
) -> Result<Response<Account>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let id = id(AccountId::parse(&req.id), "account")?;
    let changes = AccountChanges {
        username: req.username,
        notes: req.notes,
        fields: given(req.fields),
    };
    let a = g.app.update_account(&ctx, id, changes).await.or_status()?;
    Ok(Response::new(account(a)))
}

pub(super) async fn delete_account(
    g: &VaultGrpc,
    request: Request<DeleteRequest>,
) -> Result<Response<Deleted>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let id = id(AccountId::parse(&req.id), "account")?;
    g.app
        .delete_account(&ctx, id, &req.confirm, req.purge)
        .await
        .or_status()?;
    Ok(Response::new(Deleted {
        accounts: 1,
        purged: req.purge,
    }))
}

pub(super) async fn restore_account(
    g: &VaultGrpc,
    request: Request<AccountRef>,
) -> Result<Response<Account>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let id = id(AccountId::parse(&request.get_ref().id), "account")?;
    let a = g.app.restore_account(&ctx, id).await.or_status()?;
    Ok(Response::new(account(a)))
}

pub(super) async fn move_account(
    g: &VaultGrpc,
    request: Request<MoveAccountRequest>,
) -> Result<Response<Account>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let account_id = id(AccountId::parse(&req.account_id), "account")?;
    let to = id(ResourceId::parse(&req.to_resource_id), "resource")?;
    let a = g.app.move_account(&ctx, account_id, to).await.or_status()?;
    Ok(Response::new(account(a)))
}

pub(super) async fn transfer_ownership(
    g: &VaultGrpc,
    request: Request<TransferOwnershipRequest>,
) -> Result<Response<TransferOwnershipResponse>, Status> {
    let ctx = grpc_context(&g.verifier, &request)?;
    let req = request.into_inner();
    let from = id(UserId::parse(&req.from_user_id), "user")?;
    let to = if req.to_user_id.is_empty() {
        None
    } else {
        Some(Heir {
            user: id(UserId::parse(&req.to_user_id), "user")?,
            statement: req.heir_statement,
        })
    };
    let owned = g.app.transfer_ownership(&ctx, from, to).await.or_status()?;
    Ok(Response::new(TransferOwnershipResponse { owned }))
}
