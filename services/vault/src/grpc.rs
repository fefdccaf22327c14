//! The vault's gRPC edge: each RPC verifies its caller, parses the request into the use
//! case's typed values (`messages` holds the translations both ways), calls one use case and
//! answers its result or its error as a status. No SQL and no rules here. The trait's
//! methods only hand each request to its area's module.

use strongroom_proto::vault::vault_server::Vault as VaultRpc;
use strongroom_proto::vault::*;
use tonic::{Request, Response, Status};

mod accounts;
mod edge;
mod export;
mod fields;
mod groups;
mod import;
mod keys;
mod messages;
mod notifications;
mod passwords;
mod personal;
mod resources;
mod targets;

pub use edge::VaultGrpc;

/// An RPC's answer.
type Rpc<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl VaultRpc for VaultGrpc {
    type ExportStream = export::ExportStream;

    async fn create_resource(&self, request: Request<CreateResourceRequest>) -> Rpc<Resource> {
        resources::create_resource(self, request).await
    }

    async fn transfer_ownership(
        &self,
        request: Request<TransferOwnershipRequest>,
    ) -> Rpc<TransferOwnershipResponse> {
        accounts::transfer_ownership(self, request).await
    }

    async fn describe_targets(
        &self,
        request: Request<DescribeTargetsRequest>,
    ) -> Rpc<TargetDescriptions> {
        targets::describe_targets(self, request).await
    }

    async fn set_access_controlled(
        &self,
        request: Request<AccessControlledRequest>,
    ) -> Rpc<AccessControlledResponse> {
        targets::set_access_controlled(self, request).await
    }

    async fn choose_service_credential(
        &self,
        request: Request<ServiceCredentialChoice>,
    ) -> Rpc<RevealCheck> {
        passwords::choose_service_credential(self, request).await
    }

    async fn open_service_credential(
        &self,
        request: Request<OpenServiceCredentialRequest>,
    ) -> Rpc<ServiceCredential> {
        passwords::open_service_credential(self, request).await
    }

    async fn seal_setting(&self, request: Request<SealSettingRequest>) -> Rpc<SealedSetting> {
        keys::seal_setting(self, request).await
    }

    async fn open_setting(&self, request: Request<OpenSettingRequest>) -> Rpc<OpenedSetting> {
        keys::open_setting(self, request).await
    }

    async fn create_account(&self, request: Request<CreateAccountRequest>) -> Rpc<Account> {
        accounts::create_account(self, request).await
    }

    async fn reveal_password(
        &self,
        request: Request<RevealPasswordRequest>,
    ) -> Rpc<RevealPasswordResponse> {
        passwords::reveal_password(self, request).await
    }

    async fn reveal_passwords(
        &self,
        request: Request<RevealPasswordsRequest>,
    ) -> Rpc<RevealPasswordsResponse> {
        passwords::reveal_passwords(self, request).await
    }

    async fn list_resources(&self, request: Request<ListResourcesRequest>) -> Rpc<ResourcePage> {
        resources::list_resources(self, request).await
    }

    async fn get_resource(&self, request: Request<ResourceRef>) -> Rpc<ResourceDetail> {
        resources::get_resource(self, request).await
    }

    async fn update_resource(&self, request: Request<UpdateResourceRequest>) -> Rpc<Resource> {
        resources::update_resource(self, request).await
    }

    async fn delete_resource(&self, request: Request<DeleteRequest>) -> Rpc<Deleted> {
        resources::delete_resource(self, request).await
    }

    async fn restore_resource(&self, request: Request<ResourceRef>) -> Rpc<Resource> {
        resources::restore_resource(self, request).await
    }

    async fn get_account(&self, request: Request<AccountRef>) -> Rpc<Account> {
        accounts::get_account(self, request).await
    }

    async fn update_account(&self, request: Request<UpdateAccountRequest>) -> Rpc<Account> {
        accounts::update_account(self, request).await
    }

    async fn delete_account(&self, request: Request<DeleteRequest>) -> Rpc<Deleted> {
        accounts::delete_account(self, request).await
    }

    async fn restore_account(&self, request: Request<AccountRef>) -> Rpc<Account> {
        accounts::restore_account(self, request).await
    }

    async fn move_account(&self, request: Request<MoveAccountRequest>) -> Rpc<Account> {
        accounts::move_account(self, request).await
    }

    async fn set_favourite(&self, request: Request<SetFavouriteRequest>) -> Rpc<Favourite> {
        resources::set_favourite(self, request).await
    }

    async fn list_password_history(&self, request: Request<AccountRef>) -> Rpc<PasswordHistory> {
        passwords::list_password_history(self, request).await
    }

    async fn set_password(&self, request: Request<SetPasswordRequest>) -> Rpc<PasswordVersion> {
        passwords::set_password(self, request).await
    }

    async fn revert_password(
        &self,
        request: Request<RevertPasswordRequest>,
    ) -> Rpc<PasswordVersion> {
        passwords::revert_password(self, request).await
    }

    async fn reveal_password_version(
        &self,
        request: Request<RevealPasswordVersionRequest>,
    ) -> Rpc<RevealPasswordResponse> {
        passwords::reveal_password_version(self, request).await
    }

    async fn list_password_policies(
        &self,
        request: Request<ListPasswordPoliciesRequest>,
    ) -> Rpc<PasswordPolicies> {
        passwords::list_password_policies(self, request).await
    }

    async fn save_password_policy(&self, request: Request<PasswordPolicy>) -> Rpc<PasswordPolicy> {
        passwords::save_password_policy(self, request).await
    }

    async fn delete_password_policy(
        &self,
        request: Request<PasswordPolicyRef>,
    ) -> Rpc<PasswordPolicyRef> {
        passwords::delete_password_policy(self, request).await
    }

    async fn generate_password(
        &self,
        request: Request<PasswordPolicyRef>,
    ) -> Rpc<RevealPasswordResponse> {
        passwords::generate_password(self, request).await
    }

    async fn list_resource_types(
        &self,
        request: Request<ListResourceTypesRequest>,
    ) -> Rpc<ResourceTypes> {
        fields::list_resource_types(self, request).await
    }

    async fn save_resource_type(&self, request: Request<ResourceType>) -> Rpc<ResourceType> {
        fields::save_resource_type(self, request).await
    }

    async fn delete_resource_type(
        &self,
        request: Request<ResourceTypeRef>,
    ) -> Rpc<ResourceTypeRef> {
        fields::delete_resource_type(self, request).await
    }

    async fn list_additional_fields(
        &self,
        request: Request<ListAdditionalFieldsRequest>,
    ) -> Rpc<AdditionalFields> {
        fields::list_additional_fields(self, request).await
    }

    async fn save_additional_field(
        &self,
        request: Request<AdditionalField>,
    ) -> Rpc<AdditionalField> {
        fields::save_additional_field(self, request).await
    }

    async fn delete_additional_field(
        &self,
        request: Request<AdditionalField>,
    ) -> Rpc<AdditionalField> {
        fields::delete_additional_field(self, request).await
    }

    async fn reveal_field(
        &self,
        request: Request<RevealFieldRequest>,
    ) -> Rpc<RevealPasswordResponse> {
        fields::reveal_field(self, request).await
    }

    async fn export(&self, request: Request<ExportRequest>) -> Rpc<Self::ExportStream> {
        export::export(self, request).await
    }

    async fn list_export_rules(
        &self,
        request: Request<ListExportRulesRequest>,
    ) -> Rpc<ExportRules> {
        export::list_export_rules(self, request).await
    }

    async fn save_export_rule(&self, request: Request<ExportRule>) -> Rpc<ExportRule> {
        export::save_export_rule(self, request).await
    }

    async fn delete_export_rule(&self, request: Request<ExportRule>) -> Rpc<ExportRules> {
        export::delete_export_rule(self, request).await
    }

    async fn list_resource_groups(
        &self,
        request: Request<ListResourceGroupsRequest>,
    ) -> Rpc<ResourceGroups> {
        groups::list_resource_groups(self, request).await
    }

    async fn create_resource_group(
        &self,
        request: Request<ResourceGroupInput>,
    ) -> Rpc<ResourceGroup> {
        groups::create_resource_group(self, request).await
    }

    async fn update_resource_group(
        &self,
        request: Request<ResourceGroupInput>,
    ) -> Rpc<ResourceGroup> {
        groups::update_resource_group(self, request).await
    }

    async fn delete_resource_group(&self, request: Request<DeleteRequest>) -> Rpc<DeletedGroups> {
        groups::delete_resource_group(self, request).await
    }

    async fn set_group_member(&self, request: Request<GroupMember>) -> Rpc<GroupMember> {
        groups::set_group_member(self, request).await
    }

    async fn set_group_policy(
        &self,
        request: Request<GroupPolicyRequest>,
    ) -> Rpc<GroupPolicyResult> {
        groups::set_group_policy(self, request).await
    }

    async fn get_group_report(&self, request: Request<GroupReportRequest>) -> Rpc<GroupReport> {
        groups::get_group_report(self, request).await
    }

    async fn get_group_notifications(
        &self,
        request: Request<GroupNotificationsRef>,
    ) -> Rpc<GroupNotifications> {
        notifications::get_group_notifications(self, request).await
    }

    async fn set_group_notifications(
        &self,
        request: Request<GroupNotifications>,
    ) -> Rpc<GroupNotifications> {
        notifications::set_group_notifications(self, request).await
    }

    async fn password_action_audience(&self, request: Request<AudienceRequest>) -> Rpc<Audience> {
        notifications::password_action_audience(self, request).await
    }

    async fn start_import(&self, request: Request<ImportRequest>) -> Rpc<ImportStarted> {
        import::start_import(self, request).await
    }

    async fn get_import(&self, request: Request<GetImportRequest>) -> Rpc<ImportJobDetail> {
        import::get_import(self, request).await
    }

    async fn list_imports(&self, request: Request<ListImportsRequest>) -> Rpc<ImportJobs> {
        import::list_imports(self, request).await
    }

    async fn get_personal_status(
        &self,
        request: Request<PersonalStatusRequest>,
    ) -> Rpc<PersonalStatus> {
        personal::get_personal_status(self, request).await
    }

    async fn set_up_personal_store(
        &self,
        request: Request<PersonalPassphrase>,
    ) -> Rpc<PersonalStatus> {
        personal::set_up_personal_store(self, request).await
    }

    async fn unlock_personal_store(
        &self,
        request: Request<PersonalPassphrase>,
    ) -> Rpc<PersonalUnlock> {
        personal::unlock_personal_store(self, request).await
    }

    async fn change_personal_passphrase(
        &self,
        request: Request<ChangePersonalPassphraseRequest>,
    ) -> Rpc<PersonalStatus> {
        personal::change_personal_passphrase(self, request).await
    }

    async fn delete_personal_store(
        &self,
        request: Request<DeletePersonalStoreRequest>,
    ) -> Rpc<PersonalStatus> {
        personal::delete_personal_store(self, request).await
    }

    async fn list_personal_entries(
        &self,
        request: Request<PersonalUnlockRef>,
    ) -> Rpc<PersonalEntries> {
        personal::list_personal_entries(self, request).await
    }

    async fn save_personal_entry(
        &self,
        request: Request<PersonalEntryInput>,
    ) -> Rpc<PersonalEntry> {
        personal::save_personal_entry(self, request).await
    }

    async fn delete_personal_entry(
        &self,
        request: Request<PersonalEntryRef>,
    ) -> Rpc<PersonalEntryRef> {
        personal::delete_personal_entry(self, request).await
    }

    async fn rotate_data_key(&self, request: Request<RotateDataKeyRequest>) -> Rpc<KeyRotation> {
        keys::rotate_data_key(self, request).await
    }

    async fn get_data_keys(&self, request: Request<GetDataKeysRequest>) -> Rpc<DataKeys> {
        keys::get_data_keys(self, request).await
    }

    async fn set_key_rotation_schedule(
        &self,
        request: Request<KeyRotationSchedule>,
    ) -> Rpc<KeyRotationSchedule> {
        keys::set_key_rotation_schedule(self, request).await
    }
}
