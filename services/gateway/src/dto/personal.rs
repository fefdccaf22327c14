//! Personal passwords: each user's own store, locked by a passphrase the server never keeps.

use serde::{Deserialize, Serialize};
use strongroom_proto::vault as pb;
use utoipa::ToSchema;

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct PersonalStatus {
    /// Whether you have a store.
    pub exists: bool,
    pub entries: u32,
}

impl From<pb::PersonalStatus> for PersonalStatus {
    fn from(s: pb::PersonalStatus) -> Self {
        Self {
            exists: s.exists,
            entries: s.entries,
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Passphrase {
    /// At least 12 characters. Never stored: lose it and the store is lost.
    #[schema(format = Password)]
    pub passphrase: String,
}

/// Opens your store for 15 minutes: send it as `X-Personal-Unlock`.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct PersonalUnlock {
    #[schema(format = Password)]
    pub token: String,
    pub expires_at: String,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PassphraseChange {
    #[schema(format = Password)]
    pub current: String,
    #[schema(format = Password)]
    pub new: String,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonalDeletion {
    /// `delete my personal passwords`
    pub confirm: String,
}

/// One of your entries.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct PersonalEntry {
    #[serde(default)]
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    #[schema(format = Password)]
    pub password: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
}

impl From<pb::PersonalEntry> for PersonalEntry {
    fn from(e: pb::PersonalEntry) -> Self {
        Self {
            id: e.id,
            title: e.title,
            username: e.username,
            password: e.password,
            url: e.url,
            notes: e.notes,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// An entry to add or the fields it becomes.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonalEntryBody {
    #[schema(example = "Home router")]
    pub title: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    #[schema(format = Password)]
    pub password: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct PersonalEntryList {
    pub entries: Vec<PersonalEntry>,
}
