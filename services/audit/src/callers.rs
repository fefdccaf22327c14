//! Which services may call each of the audit service's RPCs (enforced from the peer
//! certificate). Which operations each caller may record is `record::OPERATIONS`.

use strongroom_trust::{Callers, callers};

pub const CALLERS: Callers = callers!("/strongroom.audit.v1.Audit/" {
    "ListEvents" => [Gateway],
    "Record" => [Vault],
    "ListMail" => [Gateway],
});
