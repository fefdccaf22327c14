//! The vault's gRPC edge: each RPC verifies its caller, parses the request into the use
//! case's typed values (`messages` holds the translations both ways), calls one use case and
//! answers its result or its error as a status. No SQL and no rules here.

use std::sync::Arc;

use secrecy::SecretString;
use strongroom_auth::{RequestContext, Verifier, grpc_context};
use strongroom_core::{AccountId, OrgId, ResourceId, UserId, to_status};
use strongroom_proto::vault::vault_server::Vault as VaultRpc;
use strongroom_proto::vault::*;
use strongroom_trust::caller_of;
use tonic::{Request, Response, Status};

mod messages;

use messages::*;

use crate::accounts::{AccountChanges, NewAccount};
use crate::app::Vault;
use crate::export::ExportFormat;
use crate::export_rules::Principal;
use crate::fields::AdditionalField as AdditionalFieldSpec;
use crate::groups::{DEFAULT_GROUP, GroupRef};
use crate::import::{ImportRequest as ImportSpec, ImportStarted as Started, OnConflict};
use crate::password_policy::PasswordPolicy as Policy;
use crate::personal::PersonalEntry as PersonalSpec;
use crate::policies::NamedPolicy;
use crate::resource_types::ResourceType as ResourceTypeSpec;
use crate::resources::{ResourceChanges, ResourceDetail as Detail};
use crate::reveal::{Reveal, no_result};
use crate::store::{FieldOwner, ResourceFields, ResourceFilter, ResourceOrder};
use strongroom_formats::import::{Format, ZipOptions};
use zeroize::Zeroizing;

pub struct VaultGrpc {
    pub app: Arc<Vault>,
    pub verifier: Arc<Verifier>,
}

fn org_id(id: &str) -> Result<OrgId, Status> {
    OrgId::parse(id).map_err(|_| Status::invalid_argument("org_id must be an org id"))
}

/// A malformed id is "not found" too: it names nothing the caller may see.
fn id<T>(r: Result<T, strongroom_core::InvalidId>, what: &str) -> Result<T, Status> {
    r.map_err(|_| Status::not_found(format!("{what} not found")))
}

#[tonic::async_trait]
impl VaultRpc for VaultGrpc {
    async fn create_resource(
        &self,
        request: Request<CreateResourceRequest>,
    ) -> Result<Response<Resource>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
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
        let r = self
            .app
            .create_resource(&ctx, fields, given(req.fields))
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(resource(r)))
    }

    async fn transfer_ownership(
        &self,
        request: Request<TransferOwnershipRequest>,
    ) -> Result<Response<TransferOwnershipResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let from = id(UserId::parse(&req.from_user_id), "user")?;
        let to = if req.to_user_id.is_empty() {
            None
        } else {
            Some(id(UserId::parse(&req.to_user_id), "user")?)
        };
        let owned = self
            .app
            .transfer_ownership(&ctx, from, to)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(TransferOwnershipResponse { owned }))
    }

    async fn check_reveal(
        &self,
        request: Request<RevealPasswordRequest>,
    ) -> Result<Response<RevealCheck>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        // A malformed id names no account the caller may reveal.
        let Ok(account) = AccountId::parse(&request.get_ref().account_id) else {
            return Ok(Response::new(RevealCheck { allowed: false }));
        };
        let allowed = self
            .app
            .check_reveal(&ctx, account)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(RevealCheck { allowed }))
    }

    async fn seal_setting(
        &self,
        request: Request<SealSettingRequest>,
    ) -> Result<Response<SealedSetting>, Status> {
        let service = caller_of(&request)?;
        let req = request.into_inner();
        let org = org_id(&req.org_id)?;
        let sealed = self
            .app
            .seal_setting(service, org, &req.name, &req.plaintext)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(SealedSetting { sealed }))
    }

    async fn open_setting(
        &self,
        request: Request<OpenSettingRequest>,
    ) -> Result<Response<OpenedSetting>, Status> {
        let service = caller_of(&request)?;
        let req = request.into_inner();
        let org = org_id(&req.org_id)?;
        let plaintext = self
            .app
            .open_setting(service, org, &req.name, &req.sealed)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(OpenedSetting {
            plaintext: plaintext.to_vec(),
        }))
    }

    async fn create_account(
        &self,
        request: Request<CreateAccountRequest>,
    ) -> Result<Response<Account>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let resource = id(ResourceId::parse(&req.resource_id), "resource")?;
        let new = NewAccount {
            username: req.username,
            password: SecretString::from(req.password),
            notes: req.notes,
            fields: given(req.fields),
        };
        let a = self
            .app
            .create_account(&ctx, resource, new)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(account(a)))
    }

    async fn reveal_password(
        &self,
        request: Request<RevealPasswordRequest>,
    ) -> Result<Response<RevealPasswordResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let account = id(AccountId::parse(&request.get_ref().account_id), "account")?;
        let password = self
            .app
            .reveal_password(&ctx, account, &request.get_ref().reason)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(RevealPasswordResponse {
            password: password.to_string(),
        }))
    }

    async fn reveal_passwords(
        &self,
        request: Request<RevealPasswordsRequest>,
    ) -> Result<Response<RevealPasswordsResponse>, Status> {
        // Items refused before the batch keep their status; the others wait for theirs.
        let mut refused: Vec<Option<Status>> = Vec::new();
        let mut reveals = Vec::new();
        for item in request.into_inner().items {
            let reveal = RequestContext::verify(
                &self.verifier,
                &item.token,
                Some(item.ip).filter(|v| !v.is_empty()),
                Some(item.user_agent).filter(|v| !v.is_empty()),
            )
            .map_err(|e| Status::unauthenticated(e.to_string()))
            .and_then(|ctx| {
                let account = id(AccountId::parse(&item.account_id), "account")?;
                let reason =
                    crate::app::optional("reason", &item.reason, 500).map_err(|e| to_status(&e))?;
                Ok(Reveal {
                    ctx,
                    account,
                    reason,
                })
            });
            match reveal {
                Ok(reveal) => {
                    reveals.push(reveal);
                    refused.push(None);
                }
                Err(status) => refused.push(Some(status)),
            }
        }
        let mut results = self.app.reveal_passwords(reveals).await.into_iter();
        let outcomes = refused
            .into_iter()
            .map(|refused| {
                let result = match refused {
                    Some(status) => Err(status),
                    None => results
                        .next()
                        .unwrap_or_else(no_result)
                        .map_err(|e| to_status(&e)),
                };
                match result {
                    Ok(password) => RevealOutcome {
                        password: password.to_string(),
                        code: 0,
                        message: String::new(),
                    },
                    Err(status) => RevealOutcome {
                        password: String::new(),
                        code: status.code() as i32,
                        message: status.message().to_owned(),
                    },
                }
            })
            .collect();
        Ok(Response::new(RevealPasswordsResponse { outcomes }))
    }
    async fn list_resources(
        &self,
        request: Request<ListResourcesRequest>,
    ) -> Result<Response<ResourcePage>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
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
        let (rows, total) = self
            .app
            .list_resources(&ctx, filter, group_ref(&req.group_id)?)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(ResourcePage {
            resources: rows.into_iter().map(resource).collect(),
            total: u64::try_from(total).unwrap_or_default(),
        }))
    }

    async fn get_resource(
        &self,
        request: Request<ResourceRef>,
    ) -> Result<Response<ResourceDetail>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let id = id(ResourceId::parse(&request.get_ref().id), "resource")?;
        let Detail {
            resource: r,
            accounts,
        } = self
            .app
            .get_resource(&ctx, id)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(ResourceDetail {
            resource: Some(resource(r)),
            accounts: accounts.into_iter().map(account).collect(),
        }))
    }

    async fn update_resource(
        &self,
        request: Request<UpdateResourceRequest>,
    ) -> Result<Response<Resource>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
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
        let r = self
            .app
            .update_resource(&ctx, id, changes, given(req.fields))
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(resource(r)))
    }

    async fn delete_resource(
        &self,
        request: Request<DeleteRequest>,
    ) -> Result<Response<Deleted>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let id = id(ResourceId::parse(&req.id), "resource")?;
        let accounts = self
            .app
            .delete_resource(&ctx, id, &req.confirm, req.purge)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(Deleted {
            accounts: u32::try_from(accounts).unwrap_or(u32::MAX),
            purged: req.purge,
        }))
    }

    async fn restore_resource(
        &self,
        request: Request<ResourceRef>,
    ) -> Result<Response<Resource>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let id = id(ResourceId::parse(&request.get_ref().id), "resource")?;
        let r = self
            .app
            .restore_resource(&ctx, id)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(resource(r)))
    }

    async fn get_account(&self, request: Request<AccountRef>) -> Result<Response<Account>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let id = id(AccountId::parse(&request.get_ref().id), "account")?;
        let a = self
            .app
            .get_account(&ctx, id)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(account(a)))
    }

    async fn update_account(
        &self,
        request: Request<UpdateAccountRequest>,
    ) -> Result<Response<Account>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let id = id(AccountId::parse(&req.id), "account")?;
        let changes = AccountChanges {
            username: req.username,
            notes: req.notes,
            fields: given(req.fields),
        };
        let a = self
            .app
            .update_account(&ctx, id, changes)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(account(a)))
    }

    async fn delete_account(
        &self,
        request: Request<DeleteRequest>,
    ) -> Result<Response<Deleted>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let id = id(AccountId::parse(&req.id), "account")?;
        self.app
            .delete_account(&ctx, id, &req.confirm, req.purge)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(Deleted {
            accounts: 1,
            purged: req.purge,
        }))
    }

    async fn restore_account(
        &self,
        request: Request<AccountRef>,
    ) -> Result<Response<Account>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let id = id(AccountId::parse(&request.get_ref().id), "account")?;
        let a = self
            .app
            .restore_account(&ctx, id)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(account(a)))
    }

    async fn move_account(
        &self,
        request: Request<MoveAccountRequest>,
    ) -> Result<Response<Account>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let account_id = id(AccountId::parse(&req.account_id), "account")?;
        let to = id(ResourceId::parse(&req.to_resource_id), "resource")?;
        let a = self
            .app
            .move_account(&ctx, account_id, to)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(account(a)))
    }

    async fn set_favourite(
        &self,
        request: Request<SetFavouriteRequest>,
    ) -> Result<Response<Favourite>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        match FavouriteKind::try_from(req.kind) {
            Ok(FavouriteKind::Resource) => {
                let id = id(ResourceId::parse(&req.id), "resource")?;
                self.app
                    .set_favourite_resource(&ctx, id, req.favourite)
                    .await
            }
            Ok(FavouriteKind::Account) => {
                let id = id(AccountId::parse(&req.id), "account")?;
                self.app
                    .set_favourite_account(&ctx, id, req.favourite)
                    .await
            }
            Err(_) => return Err(Status::invalid_argument("unknown favourite kind")),
        }
        .map_err(|e| to_status(&e))?;
        Ok(Response::new(Favourite {
            kind: req.kind,
            id: req.id,
            favourite: req.favourite,
        }))
    }

    async fn list_password_history(
        &self,
        request: Request<AccountRef>,
    ) -> Result<Response<PasswordHistory>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let id = id(AccountId::parse(&request.get_ref().id), "account")?;
        let (account, versions) = self
            .app
            .list_password_history(&ctx, id)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(PasswordHistory {
            versions: versions
                .into_iter()
                .map(|v| version(v, account.password_version))
                .collect(),
        }))
    }

    async fn set_password(
        &self,
        request: Request<SetPasswordRequest>,
    ) -> Result<Response<PasswordVersion>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let id = id(AccountId::parse(&req.account_id), "account")?;
        let password = if req.generate {
            if !req.password.is_empty() {
                return Err(Status::invalid_argument(
                    "give a password or ask for one to be generated, not both",
                ));
            }
            None
        } else {
            Some(SecretString::from(req.password))
        };
        let done = self
            .app
            .set_password(&ctx, id, password, &req.reason)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(version(
            done.version,
            done.account.password_version,
        )))
    }

    async fn revert_password(
        &self,
        request: Request<RevertPasswordRequest>,
    ) -> Result<Response<PasswordVersion>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let id = id(AccountId::parse(&req.account_id), "account")?;
        let from = version_number(req.version)?;
        let done = self
            .app
            .revert_password(&ctx, id, from, &req.reason)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(version(
            done.version,
            done.account.password_version,
        )))
    }

    async fn reveal_password_version(
        &self,
        request: Request<RevealPasswordVersionRequest>,
    ) -> Result<Response<RevealPasswordResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let id = id(AccountId::parse(&req.account_id), "account")?;
        let number = version_number(req.version)?;
        let password = self
            .app
            .reveal_password_version(&ctx, id, number, &req.reason)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(RevealPasswordResponse {
            password: password.to_string(),
        }))
    }

    async fn list_password_policies(
        &self,
        request: Request<ListPasswordPoliciesRequest>,
    ) -> Result<Response<PasswordPolicies>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let policies = self
            .app
            .list_password_policies(&ctx)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(PasswordPolicies {
            policies: policies.into_iter().map(policy_message).collect(),
        }))
    }

    async fn save_password_policy(
        &self,
        request: Request<PasswordPolicy>,
    ) -> Result<Response<PasswordPolicy>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let p = request.into_inner();
        let policy = Policy {
            name: p.name,
            min_length: p.min_length,
            max_length: p.max_length,
            min_lowercase: p.min_lowercase,
            min_uppercase: p.min_uppercase,
            min_digits: p.min_digits,
            min_specials: p.min_specials,
            must_start_with_letter: p.must_start_with_letter,
            forbidden_characters: p.forbidden_characters,
            reuse_forbidden: p.reuse_forbidden,
            max_age_days: (p.max_age_days > 0).then_some(p.max_age_days),
        };
        let saved = self
            .app
            .save_password_policy(&ctx, policy)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(policy_message(NamedPolicy {
            policy: saved,
            built_in: false,
        })))
    }

    async fn delete_password_policy(
        &self,
        request: Request<PasswordPolicyRef>,
    ) -> Result<Response<PasswordPolicyRef>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        self.app
            .delete_password_policy(&ctx, &req.name)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(req))
    }

    async fn generate_password(
        &self,
        request: Request<PasswordPolicyRef>,
    ) -> Result<Response<RevealPasswordResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let password = self
            .app
            .generate_password(&ctx, &request.get_ref().name)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(RevealPasswordResponse {
            password: password.to_string(),
        }))
    }

    async fn list_resource_types(
        &self,
        request: Request<ListResourceTypesRequest>,
    ) -> Result<Response<ResourceTypes>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let types = self
            .app
            .list_resource_types(&ctx)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(ResourceTypes {
            types: types.into_iter().map(type_message).collect(),
        }))
    }

    async fn save_resource_type(
        &self,
        request: Request<ResourceType>,
    ) -> Result<Response<ResourceType>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
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
        let saved = self
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
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(type_message(saved)))
    }

    async fn delete_resource_type(
        &self,
        request: Request<ResourceTypeRef>,
    ) -> Result<Response<ResourceTypeRef>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        self.app
            .delete_resource_type(&ctx, &req.name)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(req))
    }

    async fn list_additional_fields(
        &self,
        request: Request<ListAdditionalFieldsRequest>,
    ) -> Result<Response<AdditionalFields>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let fields = self
            .app
            .list_additional_fields(&ctx)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(AdditionalFields {
            fields: fields.into_iter().map(additional_message).collect(),
        }))
    }

    async fn save_additional_field(
        &self,
        request: Request<AdditionalField>,
    ) -> Result<Response<AdditionalField>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let f = request.into_inner();
        let saved = self
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
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(additional_message(saved)))
    }

    async fn delete_additional_field(
        &self,
        request: Request<AdditionalField>,
    ) -> Result<Response<AdditionalField>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let f = request.into_inner();
        let owner = field_owner(&f.applies_to)?;
        self.app
            .delete_additional_field(&ctx, owner, &f.name)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(f))
    }

    async fn reveal_field(
        &self,
        request: Request<RevealFieldRequest>,
    ) -> Result<Response<RevealPasswordResponse>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let owner = field_owner(&req.owner_kind)?;
        let id = match owner {
            FieldOwner::Resource => id(ResourceId::parse(&req.id), "resource")?.0,
            FieldOwner::Account => id(AccountId::parse(&req.id), "account")?.0,
        };
        let value = self
            .app
            .reveal_field(&ctx, owner, id, &req.name, &req.reason)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(RevealPasswordResponse {
            password: value.to_string(),
        }))
    }

    type ExportStream = std::pin::Pin<
        Box<dyn futures::Stream<Item = Result<ExportChunk, Status>> + Send + 'static>,
    >;

    async fn export(
        &self,
        request: Request<ExportRequest>,
    ) -> Result<Response<Self::ExportStream>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let format = ExportFormat::parse(&req.format)
            .ok_or_else(|| Status::invalid_argument("format must be csv, keepass or html"))?;
        let only = req
            .resource_ids
            .iter()
            .map(|r| id(ResourceId::parse(r), "resource").map(|r| r.0))
            .collect::<Result<Vec<_>, Status>>()?;
        let file = self
            .app
            .export(
                &ctx,
                format,
                SecretString::from(req.passphrase),
                only,
                group_ref(&req.group_id)?,
            )
            .await
            .map_err(|e| to_status(&e))?;
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

    async fn list_export_rules(
        &self,
        request: Request<ListExportRulesRequest>,
    ) -> Result<Response<ExportRules>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let rows = self
            .app
            .list_export_rules(&ctx)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(export_rules(rows)))
    }

    async fn save_export_rule(
        &self,
        request: Request<ExportRule>,
    ) -> Result<Response<ExportRule>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.get_ref();
        let principal =
            Principal::parse(&req.principal_kind, &req.principal_id).map_err(|e| to_status(&e))?;
        let row = self
            .app
            .save_export_rule(&ctx, principal, req.allowed)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(export_rule(row)))
    }

    async fn delete_export_rule(
        &self,
        request: Request<ExportRule>,
    ) -> Result<Response<ExportRules>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.get_ref();
        let principal =
            Principal::parse(&req.principal_kind, &req.principal_id).map_err(|e| to_status(&e))?;
        let rows = self
            .app
            .delete_export_rule(&ctx, principal)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(export_rules(rows)))
    }

    async fn list_resource_groups(
        &self,
        request: Request<ListResourceGroupsRequest>,
    ) -> Result<Response<ResourceGroups>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let views = self
            .app
            .list_groups(&ctx)
            .await
            .map_err(|e| to_status(&e))?;
        let default = self
            .app
            .group_resource_ids(&ctx, GroupRef::Default)
            .await
            .map_err(|e| to_status(&e))?;
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

    async fn create_resource_group(
        &self,
        request: Request<ResourceGroupInput>,
    ) -> Result<Response<ResourceGroup>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let input = group_input(request.into_inner())?;
        let group = self
            .app
            .create_group(&ctx, input)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(group_message(group, 0)))
    }

    async fn update_resource_group(
        &self,
        request: Request<ResourceGroupInput>,
    ) -> Result<Response<ResourceGroup>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let id = stored_group(&req.id)?;
        let input = group_input(req)?;
        let group = self
            .app
            .update_group(&ctx, id, input)
            .await
            .map_err(|e| to_status(&e))?;
        let resources = self
            .app
            .group_resource_ids(&ctx, GroupRef::Stored(id))
            .await
            .map_err(|e| to_status(&e))?
            .len();
        Ok(Response::new(group_message(group, resources)))
    }

    async fn delete_resource_group(
        &self,
        request: Request<DeleteRequest>,
    ) -> Result<Response<DeletedGroups>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let id = stored_group(&req.id)?;
        let groups = self
            .app
            .delete_group(&ctx, id, &req.confirm)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(DeletedGroups {
            groups: u32::try_from(groups).unwrap_or(u32::MAX),
        }))
    }

    async fn set_group_member(
        &self,
        request: Request<GroupMember>,
    ) -> Result<Response<GroupMember>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let group = stored_group(&req.group_id)?;
        match req.kind.as_str() {
            "resource" => {
                let member = id(ResourceId::parse(&req.member_id), "resource")?;
                self.app
                    .set_group_resource(&ctx, group, member, req.member)
                    .await
            }
            "account" => {
                let member = id(AccountId::parse(&req.member_id), "account")?;
                self.app
                    .set_group_account(&ctx, group, member, req.member)
                    .await
            }
            _ => return Err(Status::invalid_argument("kind must be resource or account")),
        }
        .map_err(|e| to_status(&e))?;
        Ok(Response::new(req))
    }

    async fn set_group_policy(
        &self,
        request: Request<GroupPolicyRequest>,
    ) -> Result<Response<GroupPolicyResult>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let group = group_ref(&req.group_id)?
            .ok_or_else(|| Status::not_found("resource group not found"))?;
        let resources = self
            .app
            .set_group_policy(&ctx, group, &req.password_policy)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(GroupPolicyResult { resources }))
    }

    async fn get_group_report(
        &self,
        request: Request<GroupReportRequest>,
    ) -> Result<Response<GroupReport>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let group = group_ref(&req.group_id)?
            .ok_or_else(|| Status::not_found("resource group not found"))?;
        let days = if req.days == 0 {
            90
        } else {
            i32::try_from(req.days).unwrap_or(i32::MAX)
        };
        let rows = self
            .app
            .group_report(&ctx, group, days)
            .await
            .map_err(|e| to_status(&e))?;
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

    async fn start_import(
        &self,
        request: Request<ImportRequest>,
    ) -> Result<Response<ImportStarted>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
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
        let started = self
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
            .map_err(|e| to_status(&e))?;
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

    async fn get_import(
        &self,
        request: Request<GetImportRequest>,
    ) -> Result<Response<ImportJobDetail>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let id =
            uuid::Uuid::parse_str(&req.id).map_err(|_| Status::not_found("import not found"))?;
        let limit = if req.limit == 0 {
            1000
        } else {
            i64::from(req.limit)
        };
        let (job, results) = self
            .app
            .get_import(&ctx, id, i64::from(req.offset), limit)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(ImportJobDetail {
            job: Some(import_job(job)),
            results: results.into_iter().map(import_result).collect(),
        }))
    }

    async fn list_imports(
        &self,
        request: Request<ListImportsRequest>,
    ) -> Result<Response<ImportJobs>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let jobs = self
            .app
            .list_imports(&ctx)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(ImportJobs {
            jobs: jobs.into_iter().map(import_job).collect(),
        }))
    }

    async fn get_personal_status(
        &self,
        request: Request<PersonalStatusRequest>,
    ) -> Result<Response<PersonalStatus>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let status = self
            .app
            .personal_status(&ctx)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(personal_status(status)))
    }

    async fn set_up_personal_store(
        &self,
        request: Request<PersonalPassphrase>,
    ) -> Result<Response<PersonalStatus>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let passphrase = SecretString::from(request.into_inner().passphrase);
        self.app
            .set_up_personal(&ctx, passphrase)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(PersonalStatus {
            exists: true,
            entries: 0,
        }))
    }

    async fn unlock_personal_store(
        &self,
        request: Request<PersonalPassphrase>,
    ) -> Result<Response<PersonalUnlock>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let passphrase = SecretString::from(request.into_inner().passphrase);
        let (token, expires) = self
            .app
            .unlock_personal(&ctx, passphrase)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(PersonalUnlock {
            token: token.to_string(),
            expires_at: chrono::DateTime::from_timestamp(expires, 0)
                .map(time)
                .unwrap_or_default(),
        }))
    }

    async fn change_personal_passphrase(
        &self,
        request: Request<ChangePersonalPassphraseRequest>,
    ) -> Result<Response<PersonalStatus>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        self.app
            .change_personal_passphrase(
                &ctx,
                SecretString::from(req.current),
                SecretString::from(req.new),
            )
            .await
            .map_err(|e| to_status(&e))?;
        let status = self
            .app
            .personal_status(&ctx)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(personal_status(status)))
    }

    async fn delete_personal_store(
        &self,
        request: Request<DeletePersonalStoreRequest>,
    ) -> Result<Response<PersonalStatus>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        self.app
            .delete_personal(&ctx, &request.get_ref().confirm)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(PersonalStatus {
            exists: false,
            entries: 0,
        }))
    }

    async fn list_personal_entries(
        &self,
        request: Request<PersonalUnlockRef>,
    ) -> Result<Response<PersonalEntries>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let entries = self
            .app
            .list_personal(&ctx, &request.get_ref().token)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(PersonalEntries {
            entries: entries.into_iter().map(personal_entry).collect(),
        }))
    }

    async fn save_personal_entry(
        &self,
        request: Request<PersonalEntryInput>,
    ) -> Result<Response<PersonalEntry>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
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
        let saved = self
            .app
            .save_personal(&ctx, &req.token, id, entry)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(personal_entry(saved)))
    }

    async fn delete_personal_entry(
        &self,
        request: Request<PersonalEntryRef>,
    ) -> Result<Response<PersonalEntryRef>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let req = request.into_inner();
        let id = uuid::Uuid::parse_str(&req.id)
            .map_err(|_| Status::not_found("personal entry not found"))?;
        self.app
            .delete_personal_entry(&ctx, &req.token, id)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(PersonalEntryRef {
            token: String::new(),
            id: req.id,
        }))
    }

    async fn rotate_data_key(
        &self,
        request: Request<RotateDataKeyRequest>,
    ) -> Result<Response<KeyRotation>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let rotation = self
            .app
            .rotate_data_key(&ctx)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(rotation_message(rotation)))
    }

    async fn get_data_keys(
        &self,
        request: Request<GetDataKeysRequest>,
    ) -> Result<Response<DataKeys>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let keys = self.app.data_keys(&ctx).await.map_err(|e| to_status(&e))?;
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

    async fn set_key_rotation_schedule(
        &self,
        request: Request<KeyRotationSchedule>,
    ) -> Result<Response<KeyRotationSchedule>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let schedule = self
            .app
            .set_rotation_schedule(&ctx, request.get_ref().every_days)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(schedule_message(schedule)))
    }
}
