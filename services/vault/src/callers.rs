//! Which services may call each of the vault's RPCs (enforced from the peer certificate).

use strongroom_trust::{Callers, callers};

pub const CALLERS: Callers = callers!("/strongroom.vault.v1.Vault/" {
    "CreateResource" => [Gateway],
    "CreateAccount" => [Gateway],
    "RevealPassword" => [Gateway],
    "RevealPasswords" => [Gateway],
    "ListResources" => [Gateway],
    "GetResource" => [Gateway],
    "UpdateResource" => [Gateway],
    "DeleteResource" => [Gateway],
    "RestoreResource" => [Gateway],
    "GetAccount" => [Gateway],
    "UpdateAccount" => [Gateway],
    "DeleteAccount" => [Gateway],
    "RestoreAccount" => [Gateway],
    "MoveAccount" => [Gateway],
    "SetFavourite" => [Gateway],
    "ListPasswordHistory" => [Gateway],
    "SetPassword" => [Gateway],
    "RevertPassword" => [Gateway],
    "RevealPasswordVersion" => [Gateway],
    "ListPasswordPolicies" => [Gateway],
    "SavePasswordPolicy" => [Gateway],
    "DeletePasswordPolicy" => [Gateway],
    "GeneratePassword" => [Gateway],
    "ListResourceTypes" => [Gateway],
    "SaveResourceType" => [Gateway],
    "DeleteResourceType" => [Gateway],
    "ListAdditionalFields" => [Gateway],
    "SaveAdditionalField" => [Gateway],
    "DeleteAdditionalField" => [Gateway],
    "RevealField" => [Gateway],
    "Export" => [Gateway],
    // Identity hands a removed user's resources to a colleague.
    "TransferOwnership" => [Identity],
    // The tenant service checks an account named in mail settings.
    "CheckReveal" => [Tenant],
    // Identity's and tenant's settings secrets are sealed with the org's data key.
    "SealSetting" => [Identity, Tenant],
    "OpenSetting" => [Identity, Tenant],
});
