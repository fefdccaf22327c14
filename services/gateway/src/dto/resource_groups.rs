//! Resource groups: static, dynamic (criteria), nested, and each user's Default Group.

use serde::{Deserialize, Serialize};
use strongroom_proto::vault as pb;
use utoipa::{IntoParams, ToSchema};

use super::{or_null, parsed_json};

/// A group as the tree shows it.
#[derive(Clone, Deserialize, Debug, Serialize, ToSchema)]
pub struct ResourceGroup {
    /// `default` for your Default Group.
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    /// `default` (every resource you own), `static` or `dynamic`.
    pub kind: String,
    /// A dynamic group's criteria; `null` otherwise.
    #[schema(value_type = Option<Object>)]
    pub criteria: serde_json::Value,
    pub description: String,
    /// Resources it holds now that you may see.
    pub resources: u32,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    /// The groups nested in it (in the tree).
    #[schema(no_recursion)]
    pub children: Vec<ResourceGroup>,
}

impl From<pb::ResourceGroup> for ResourceGroup {
    fn from(g: pb::ResourceGroup) -> Self {
        Self {
            id: g.id,
            name: g.name,
            parent_id: or_null(g.parent_id),
            kind: g.kind,
            criteria: parsed_json(&g.criteria_json, serde_json::Value::Null),
            description: g.description,
            resources: g.resources,
            created_at: or_null(g.created_at),
            updated_at: or_null(g.updated_at),
            children: Vec::new(),
        }
    }
}

/// The tree: your Default Group first, then your groups, each with those nested in it.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ResourceGroupTree {
    pub groups: Vec<ResourceGroup>,
}

/// A group to add, or a group as it becomes.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceGroupBody {
    #[schema(example = "Production databases")]
    pub name: String,
    /// The group it is nested in.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// Makes it dynamic: `{"match": "all"|"any", "conditions": [{"field": "type"|"name"|"host"|"department"|"location"|"description"|"field:<name>", "operator": "equals"|"not_equals"|"contains"|"starts_with"|"ends_with", "value": "..."}]}`.
    #[serde(default)]
    #[schema(value_type = Option<Object>, example = json!({"match": "all", "conditions": [{"field": "type", "operator": "equals", "value": "PostgreSQL"}]}))]
    pub criteria: Option<serde_json::Value>,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupDeleteConfirmation {
    /// The group's name, again.
    pub confirm: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct DeletedGroups {
    /// The group and those nested in it.
    pub groups: u32,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupPolicyBody {
    /// A policy's name, or `""` for none.
    pub password_policy: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct GroupPolicyResult {
    /// Resources whose policy changed (those you may modify).
    pub resources: u64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Passwords older than this many days count as stale (1 to 3650; default 90).
    #[serde(default)]
    pub days: u32,
}

/// The group's resources and accounts by resource type.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct GroupReport {
    pub rows: Vec<GroupReportRow>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct GroupReportRow {
    #[serde(rename = "type")]
    pub resource_type: String,
    pub resources: u64,
    pub accounts: u64,
    /// Accounts whose password is older than the report's days.
    pub stale_passwords: u64,
}

impl From<pb::GroupReportRow> for GroupReportRow {
    fn from(r: pb::GroupReportRow) -> Self {
        Self {
            resource_type: r.resource_type,
            resources: r.resources,
            accounts: r.accounts,
            stale_passwords: r.stale_passwords,
        }
    }
}

/// Nests a flat list of groups under their parents, keeping the list's order; a group whose
/// parent is not in the list stays at the top.
pub fn tree(groups: Vec<ResourceGroup>) -> Vec<ResourceGroup> {
    let ids: std::collections::HashSet<String> = groups.iter().map(|g| g.id.clone()).collect();
    let (mut top, mut nested): (Vec<_>, Vec<_>) = groups
        .into_iter()
        .partition(|g| g.parent_id.as_ref().is_none_or(|p| !ids.contains(p)));
    fn adopt(parent: &mut ResourceGroup, nested: &mut Vec<ResourceGroup>) {
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(nested)
            .into_iter()
            .partition(|g| g.parent_id.as_deref() == Some(parent.id.as_str()));
        *nested = rest;
        parent.children = mine;
        for child in &mut parent.children {
            adopt(child, nested);
        }
    }
    for group in &mut top {
        adopt(group, &mut nested);
    }
    top
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: &str, parent: Option<&str>) -> ResourceGroup {
        ResourceGroup {
            id: id.into(),
            name: id.into(),
            parent_id: parent.map(Into::into),
            kind: "static".into(),
            criteria: serde_json::Value::Null,
            description: String::new(),
            resources: 0,
            created_at: None,
            updated_at: None,
            children: Vec::new(),
        }
    }

    #[test]
    fn groups_nest_under_their_parents_in_order() {
        let tree = tree(vec![
            group("a", None),
            group("a1", Some("a")),
            group("b", None),
            group("a1x", Some("a1")),
            group("a2", Some("a")),
            group("orphan", Some("gone")),
        ]);
        let names: Vec<&str> = tree.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(names, ["a", "b", "orphan"]);
        let a: Vec<&str> = tree[0].children.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(a, ["a1", "a2"]);
        assert_eq!(tree[0].children[0].children[0].id, "a1x");
    }
}
