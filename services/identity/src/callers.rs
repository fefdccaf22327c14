//! Which services may call each of identity's RPCs (enforced from the peer certificate).
//! Signing in, tokens and credentials answer the gateway only; the tenant service reads
//! people for its org report and account-manager checks.

use strongroom_trust::{Callers, callers};

pub const CALLERS: Callers = callers!("/strongroom.identity.v1.Identity/" {
    "Login" => [Gateway],
    "Refresh" => [Gateway],
    "Logout" => [Gateway],
    "ChangePassword" => [Gateway],
    "AuthenticateApiKey" => [Gateway],
    // The tenant service reads a client org's people for the org report as the caller.
    "ExchangeToken" => [Gateway, Tenant],
    "CreateUser" => [Gateway],
    "ListUsers" => [Gateway, Tenant],
    "GetUser" => [Gateway, Tenant],
    "UpdateUser" => [Gateway],
    "DeleteUser" => [Gateway],
    "SetUserPassword" => [Gateway],
    "ListPasswordResets" => [Gateway],
    "DecidePasswordReset" => [Gateway],
    "UnlockUser" => [Gateway],
    "ImportUsers" => [Gateway],
    "TransferOwnership" => [Gateway],
    "ListOwnershipTransfers" => [Gateway],
    "DecideOwnershipTransfer" => [Gateway],
    // The vault makes only an active user of the org an owner.
    "CheckActiveUser" => [Vault],
    // The access service shares only with a user or group of the org.
    "DescribeGrantee" => [Access],
    "ListSessions" => [Gateway],
    "RevokeSession" => [Gateway],
    "RevokeUserSessions" => [Gateway],
    "CreateGroup" => [Gateway],
    "ListGroups" => [Gateway, Tenant],
    "RenameGroup" => [Gateway],
    "DeleteGroup" => [Gateway],
    "AddGroupMember" => [Gateway],
    "RemoveGroupMember" => [Gateway],
    // The vault checks a group named by an export rule, and the groups of an exporter.
    "ListGroupMembers" => [Gateway, Tenant, Vault],
    // The access service counts a caller's own groups' shares.
    "ListUserGroups" => [Gateway, Tenant, Vault, Access],
    "ListRoles" => [Gateway],
    "SaveRole" => [Gateway],
    "DeleteRole" => [Gateway],
    "GetLoginSettings" => [Gateway],
    "UpdateLoginSettings" => [Gateway],
    "GetDirectory" => [Gateway],
    "SaveDirectory" => [Gateway],
    "TestDirectory" => [Gateway],
    "ImportDirectory" => [Gateway],
    "CreateApiKey" => [Gateway],
    "ListApiKeys" => [Gateway],
    "RevokeApiKey" => [Gateway],
});

pub const RECIPIENTS: Callers = callers!("/strongroom.identity.v1.Recipients/" {
    // The audit service, which sends the org's mail.
    "ListRecipients" => [Audit],
    // The access service, naming who may approve a request for the requester.
    "NameApprovers" => [Access],
    // The audit service, putting a one-time password in the mail it sends.
    "IssueMailedPassword" => [Audit],
});
