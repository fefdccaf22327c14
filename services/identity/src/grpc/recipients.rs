//! The `Recipients` service: the audit service's questions about who gets an org's mail.

use std::sync::Arc;

use strongroom_core::{OrgId, to_status};
use strongroom_proto::identity::recipients_server::Recipients as RecipientsRpc;
use strongroom_proto::identity::{Recipient, RecipientList, RecipientsRequest};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::app::Identity;

pub struct RecipientsGrpc {
    pub app: Arc<Identity>,
}

fn ids(values: &[String], field: &str) -> Result<Vec<Uuid>, Status> {
    values
        .iter()
        .map(|v| {
            Uuid::try_parse(v)
                .map_err(|_| Status::invalid_argument(format!("{field} must hold UUIDs")))
        })
        .collect()
}

#[tonic::async_trait]
impl RecipientsRpc for RecipientsGrpc {
    async fn list_recipients(
        &self,
        request: Request<RecipientsRequest>,
    ) -> Result<Response<RecipientList>, Status> {
        let asked = request.into_inner();
        let org = Uuid::try_parse(&asked.org_id)
            .map(OrgId)
            .map_err(|_| Status::invalid_argument("org_id must be an org id (a UUID)"))?;
        let users = ids(&asked.user_ids, "user_ids")?;
        let groups = ids(&asked.group_ids, "group_ids")?;
        let found = self
            .app
            .recipients(org, &users, &groups, asked.administrators)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(RecipientList {
            recipients: found
                .into_iter()
                .map(|r| Recipient {
                    user_id: r.user.to_string(),
                    username: r.username,
                    email: r.email,
                })
                .collect(),
        }))
    }
}
