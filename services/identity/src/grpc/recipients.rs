//! The `Recipients` service: the audit service's questions about who gets an org's mail (and
//! its one-time passwords), and the access service's about who may approve a request.

use std::sync::Arc;

use secrecy::ExposeSecret;
use strongroom_auth::{Verifier, grpc_context};
use strongroom_core::to_status;
use strongroom_proto::identity::recipients_server::Recipients as RecipientsRpc;
use strongroom_proto::identity::{
    Approver, ApproverList, IssueMailedPasswordRequest, MailedPassword, NameApproversRequest,
    Recipient, RecipientList, RecipientsRequest,
};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::requests::org_id;
use crate::app::Identity;

pub struct RecipientsGrpc {
    pub app: Arc<Identity>,
    pub verifier: Arc<Verifier>,
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
        let org = org_id(&asked.org_id)?;
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

    async fn name_approvers(
        &self,
        request: Request<NameApproversRequest>,
    ) -> Result<Response<ApproverList>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let asked = request.into_inner();
        let groups = ids(&asked.group_ids, "group_ids")?;
        let found = self
            .app
            .approvers(&ctx, &groups, asked.administrators)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(ApproverList {
            approvers: found
                .into_iter()
                .map(|a| Approver {
                    user_id: a.user.to_string(),
                    username: a.username,
                    group_ids: a.groups.iter().map(ToString::to_string).collect(),
                    administrator: a.administrator,
                })
                .collect(),
        }))
    }

    async fn issue_mailed_password(
        &self,
        request: Request<IssueMailedPasswordRequest>,
    ) -> Result<Response<MailedPassword>, Status> {
        let asked = request.into_inner();
        let org = org_id(&asked.org_id)?;
        let id = Uuid::try_parse(&asked.mailed_password_id)
            .map_err(|_| Status::invalid_argument("mailed_password_id must be a UUID"))?;
        let issued = self
            .app
            .issue_mailed_password(org, id)
            .await
            .map_err(|e| to_status(&e))?;
        Ok(Response::new(MailedPassword {
            username: issued.username,
            email: issued.email,
            password: issued.password.expose_secret().to_owned(),
        }))
    }
}
