//! Which services may call each of the access service's RPCs (enforced from the peer
//! certificate): the vault asks before it reveals.

use strongroom_trust::{Callers, callers};

pub const CALLERS: Callers = callers!("/strongroom.access.v1.Access/" {
    "Check" => [Vault],
    "CheckBatch" => [Vault],
    // The vault lists only what the caller may see.
    "Scope" => [Vault],
});
