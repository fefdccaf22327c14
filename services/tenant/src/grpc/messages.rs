//! Rows and use-case results turned into the `Tenant` service's messages.

use strongroom_proto::tenant::{
    ImportOrgsLine, ImportOrgsResponse, Org, OrgAccessGrant, OrgAccessGrantList, OrgDeletionRequest,
};

use crate::import::ImportedLine;
use crate::store::{DeletionRow, GrantRow, OrgRow};

pub fn org(org: OrgRow) -> Org {
    Org {
        id: org.id.to_string(),
        slug: org.slug,
        name: org.name,
        is_msp: org.is_msp,
        created_at: org.created_at.to_rfc3339(),
        account_manager_id: org
            .account_manager_id
            .map(|u| u.to_string())
            .unwrap_or_default(),
        description: org.description,
        department: org.department,
        location: org.location,
        contact: org.contact,
    }
}

pub fn deletion(d: DeletionRow) -> OrgDeletionRequest {
    OrgDeletionRequest {
        id: d.id.to_string(),
        org_id: d.org_id.to_string(),
        org_slug: d.org_slug,
        org_name: d.org_name,
        requested_by_id: d.requested_by.to_string(),
        requested_by_name: d.requested_by_name,
        requested_at: d.requested_at.to_rfc3339(),
        status: d.status,
        decided_by_name: d.decided_by_name.unwrap_or_default(),
        decided_at: d.decided_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        note: d.note,
    }
}

pub fn grant(g: GrantRow) -> OrgAccessGrant {
    OrgAccessGrant {
        id: g.id.to_string(),
        org_id: g.org_id.to_string(),
        org_slug: g.org_slug,
        org_name: g.org_name,
        designee_kind: g.designee_kind,
        designee_id: g.designee_id.to_string(),
        designee_name: g.designee_name,
        proposer_id: g.proposer_id.to_string(),
        proposer_name: g.proposer_name,
        approver_id: g.approver_id.to_string(),
        approver_name: g.approver_name,
        status: g.status,
        proposed_at: g.proposed_at.to_rfc3339(),
        decided_by_name: g.decided_by_name.unwrap_or_default(),
        decided_at: g.decided_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        note: g.note,
    }
}

pub fn grants(grants: Vec<GrantRow>) -> OrgAccessGrantList {
    OrgAccessGrantList {
        grants: grants.into_iter().map(grant).collect(),
    }
}

pub fn imported(lines: Vec<ImportedLine>) -> ImportOrgsResponse {
    let rejected = lines.iter().filter(|l| l.rejected.is_some()).count();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    ImportOrgsResponse {
        created: count(lines.len() - rejected),
        rejected: count(rejected),
        lines: lines
            .into_iter()
            .map(|l| ImportOrgsLine {
                line: u32::try_from(l.line).unwrap_or(u32::MAX),
                slug: l.slug,
                outcome: if l.rejected.is_some() {
                    "rejected"
                } else {
                    "created"
                }
                .into(),
                reason: l.rejected.unwrap_or_default(),
            })
            .collect(),
    }
}
