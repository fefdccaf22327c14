//! Newtype ids, so an org id can never be passed where a user id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ErrorCode;

macro_rules! id_type {
    ($name:ident, $what:literal) => {
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parses an id received from a caller; the error names what was expected.
            pub fn parse(s: &str) -> Result<Self, InvalidId> {
                Uuid::parse_str(s).map(Self).map_err(|_| InvalidId($what))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

id_type!(OrgId, "org id");
id_type!(UserId, "user id");
id_type!(ResourceId, "resource id");
id_type!(AccountId, "account id");

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid {0}")]
pub struct InvalidId(pub &'static str);

impl crate::HasErrorCode for InvalidId {
    fn code(&self) -> ErrorCode {
        ErrorCode::InvalidArgument
    }
}
