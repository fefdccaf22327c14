//! Resource groups as the pages show them: the tree of nodes beside a list, and the
//! static groups a resource or an account may be put in.

use crate::console::Console;
use crate::console::client::Refusal;
use crate::console::session::Visit;
use crate::dto::resource_groups::{ResourceGroup, ResourceGroupTree};

/// A resource group as the tree beside the list shows it: its depth, and its link.
pub struct TreeNode {
    pub depth: usize,
    pub id: String,
    pub name: String,
    pub resources: u32,
}

pub fn flatten(groups: Vec<ResourceGroup>, depth: usize, into: &mut Vec<TreeNode>) {
    for g in groups {
        into.push(TreeNode {
            // The style sheet indents six levels; deeper ones line up with the sixth.
            depth: depth.min(5),
            id: g.id,
            name: g.name,
            resources: g.resources,
        });
        flatten(g.children, depth + 1, into);
    }
}

/// A group as the list shows it: its place in the tree and its kind.
pub struct Row {
    pub node: TreeNode,
    pub kind: String,
}

pub fn rows(groups: &[ResourceGroup], depth: usize, into: &mut Vec<Row>) {
    for g in groups {
        into.push(Row {
            node: TreeNode {
                depth: depth.min(5),
                id: g.id.clone(),
                name: g.name.clone(),
                resources: g.resources,
            },
            kind: g.kind.clone(),
        });
        rows(&g.children, depth + 1, into);
    }
}

/// The org's resource groups, as a tree.
pub async fn tree(console: &Console, visit: &Visit) -> Result<Vec<ResourceGroup>, Refusal> {
    let tree: ResourceGroupTree = console.api.get(&visit.who, "/resource-groups").await?;
    Ok(tree.groups)
}

/// Static groups one can put something in, for the resource's and the account's pages.
pub async fn static_groups(console: &Console, visit: &Visit) -> Vec<TreeNode> {
    let groups = tree(console, visit).await.unwrap_or_default();
    let mut rows_found = Vec::new();
    rows(&groups, 0, &mut rows_found);
    rows_found
        .into_iter()
        .filter(|r| r.kind == "static")
        .map(|r| r.node)
        .collect()
}
