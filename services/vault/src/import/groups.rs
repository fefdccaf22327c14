//! The resource groups an import makes or finds, by the path an entry names.

use std::collections::HashMap;

use strongroom_auth::RequestContext;
use strongroom_core::ResourceId;
use uuid::Uuid;

use crate::app::{Vault, owner};
use crate::error::VaultError;
use crate::groups::GroupInput;
use crate::store;

/// The groups an import made or found, by path.
#[derive(Default)]
pub(super) struct Groups(HashMap<Vec<String>, Option<Uuid>>);

impl Groups {
    /// Puts the resource into the innermost static group of the path, making the groups it
    /// lacks.
    pub(super) async fn add(
        &mut self,
        vault: &Vault,
        ctx: &RequestContext,
        path: &[String],
        resource: Uuid,
    ) -> Result<(), VaultError> {
        if path.is_empty() {
            return Ok(());
        }
        let mut parent = None;
        for depth in 1..=path.len() {
            let key = path[..depth].to_vec();
            let id = match self.0.get(&key) {
                Some(id) => *id,
                None => {
                    let mut tx = vault.db.begin(ctx.org()).await?;
                    let name = &path[depth - 1];
                    let found =
                        store::find_group_by_name(&mut tx, owner(ctx), parent, name).await?;
                    tx.commit().await?;
                    let id = match found {
                        Some((id, kind)) => (kind == "static").then_some(id),
                        None => {
                            let input = GroupInput {
                                name: name.clone(),
                                parent,
                                criteria: None,
                                description: "imported".into(),
                            };
                            Some(vault.create_group(ctx, input).await?.id)
                        }
                    };
                    self.0.insert(key, id);
                    id
                }
            };
            let Some(id) = id else {
                // A dynamic group of that name: its criteria decide.
                return Ok(());
            };
            parent = Some(id);
        }
        if let Some(group) = parent {
            vault
                .set_group_resource(ctx, group, ResourceId(resource), true)
                .await?;
        }
        Ok(())
    }
}
