//! Which services may call each of the access service's RPCs (enforced from the peer
//! certificate): the vault asks before it reveals or lists; people share through the
//! gateway.

use strongroom_trust::{Callers, callers};

pub const CALLERS: Callers = callers!("/strongroom.access.v1.Access/" {
    "Check" => [Vault],
    "CheckBatch" => [Vault],
    // The vault lists only what the caller may see.
    "Scope" => [Vault],
    "Share" => [Gateway],
    "ListShares" => [Gateway],
    "Unshare" => [Gateway],
    "ListSharedWithMe" => [Gateway],
    "ListSharees" => [Vault],
    "GetSharingSettings" => [Gateway],
    "UpdateSharingSettings" => [Gateway],
    // The access-control workflow, for people through the gateway.
    "GetAccessControl" => [Gateway],
    "SetAccessControl" => [Gateway],
    "RemoveAccessControl" => [Gateway],
    "RequestAccess" => [Gateway],
    "ListAccessRequests" => [Gateway],
    "GetAccessRequest" => [Gateway],
    "DecideAccessRequest" => [Gateway],
    "CheckOut" => [Gateway],
    "CheckIn" => [Gateway],
    "ListMarkedForReset" => [Gateway],
});
