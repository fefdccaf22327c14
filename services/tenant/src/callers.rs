//! Which services may call each of the tenant service's RPCs (enforced from the peer
//! certificate). Org management, grants, settings and slug resolution answer the gateway
//! only; every service asks for MSPOrg at start-up and for an org's deletion intent.

use strongroom_trust::{Callers, callers};

pub const TENANT: Callers = callers!("/strongroom.tenant.v1.Tenant/" {
    "CreateOrg" => [Gateway],
    "ListOrgs" => [Gateway],
    "ImportOrgs" => [Gateway],
    "UpdateOrg" => [Gateway],
    "DeleteOrg" => [Gateway],
    "DecideOrgDeletion" => [Gateway],
    "ListOrgDeletions" => [Gateway],
    "GetOrgReport" => [Gateway],
    "ProposeOrgAccess" => [Gateway],
    "DecideOrgAccess" => [Gateway],
    "RevokeOrgAccess" => [Gateway],
    "ListOrgAccess" => [Gateway],
    "ApproveGroupMember" => [Gateway],
    "GetMspAccess" => [Gateway],
    "ResolveSlug" => [Gateway],
    "GetMspOrg" => [Gateway, Identity, Vault, Access, Rotation, Audit],
    // Identity asks while exchanging a token into a client org.
    "CheckOrgAccess" => [Identity],
    "GetOrgDeletion" => [Identity, Vault, Access, Rotation, Audit],
});

pub const REPLICATION: Callers = callers!("/strongroom.tenant.v1.Replication/" {
    "Get" => [Gateway],
    "Save" => [Gateway],
});

pub const SETTINGS: Callers = callers!("/strongroom.tenant_settings.v1.OrgSettings/" {
    "GetMail" => [Gateway],
    "SaveMail" => [Gateway],
    "GetProxy" => [Gateway],
    "SaveProxy" => [Gateway],
    "GetBranding" => [Gateway],
    "SaveBranding" => [Gateway],
    "GetPublicBranding" => [Gateway],
    "GetMspStaffRights" => [Gateway],
    "SaveMspStaffRights" => [Gateway],
    "GetTicketing" => [Gateway],
    "SaveTicketing" => [Gateway],
    // The access service before a request, checkout or reveal; the gateway for `test`.
    "CheckTicket" => [Gateway, Access],
    "GetTicketingStages" => [Access],
    // The audit service, which sends the org's mail.
    "GetMailTransport" => [Audit],
    // Identity, which mails first passwords and resets where the org has a mail server.
    "HasMailServer" => [Identity],
});
