//! User groups.

use serde::{Deserialize, Serialize};
use strongroom_proto::identity as pb;
use utoipa::ToSchema;

#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    #[schema(example = "DBAs")]
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupName {
    pub name: String,
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct GroupList {
    pub groups: Vec<Group>,
}

/// A user group.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub description: String,
    /// How the group came: `local`, or the kind of directory it was imported from.
    pub source: String,
    pub member_count: u32,
    pub created_at: String,
}

impl From<pb::Group> for Group {
    fn from(g: pb::Group) -> Self {
        Self {
            id: g.id,
            name: g.name,
            description: g.description,
            source: g.source,
            member_count: g.member_count,
            created_at: g.created_at,
        }
    }
}

impl From<pb::GroupList> for GroupList {
    fn from(l: pb::GroupList) -> Self {
        Self {
            groups: l.groups.into_iter().map(Group::from).collect(),
        }
    }
}
