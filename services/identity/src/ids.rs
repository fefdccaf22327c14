//! Typed ids of what identity keeps besides users (those are `strongroom_core::UserId`):
//! groups, sessions, API keys, ownership transfers and password resets. The edge parses
//! them; a malformed one names nothing, so it is "not found" there.

use strongroom_core::InvalidId;
use uuid::Uuid;

macro_rules! id_type {
    ($name:ident, $what:literal) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Parses an id received from a caller; the error names what was expected.
            pub fn parse(s: &str) -> Result<Self, InvalidId> {
                Uuid::try_parse(s).map(Self).map_err(|_| InvalidId($what))
            }
        }
    };
}

id_type!(GroupId, "group");
id_type!(SessionId, "session");
id_type!(ApiKeyId, "API key");
id_type!(TransferId, "transfer");
id_type!(ResetId, "password reset");
