//! The tenant service's own typed ids (org and user ids are `strongroom_core`'s): parsed
//! at the gRPC edge, so a use case never sees a malformed one.

use std::fmt;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub Uuid);

        impl $name {
            /// `None` unless `text` (trimmed) is an id.
            pub fn parse(text: &str) -> Option<Self> {
                Uuid::try_parse(text.trim()).ok().map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// An org access grant (or account manager change) proposed by an MSPOrg administrator.
    GrantId
);
id_type!(
    /// A request to delete a client org.
    DeletionId
);

/// An MSPOrg user group (named by identity; a designee is parsed with its kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupId(pub Uuid);

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
