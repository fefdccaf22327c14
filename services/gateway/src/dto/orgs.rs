//! Client orgs, for MSPOrg.

use serde::{Deserialize, Serialize};
use strongroom_proto::tenant as pb;
use utoipa::{IntoParams, ToSchema};

use super::or_null;

/// A client org to add.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    /// One word of letters and digits, unique ignoring case, not reserved: the org's URL
    /// is `/<slug>/api/v1/...`.
    #[schema(example = "acme")]
    pub slug: String,
    #[schema(example = "Acme Corp")]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub contact: String,
    /// An MSPOrg administrator; the caller when left out.
    #[serde(default)]
    pub account_manager_id: String,
}

/// Only the fields present change. A different `account_manager_id` is refused: a new
/// account manager is proposed and approved through `/org-access`.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgChanges {
    /// A new slug moves the org's URL at once.
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub contact: Option<String>,
    pub account_manager_id: Option<String>,
}

#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteOrgBody {
    /// The org's slug, repeated.
    #[schema(example = "acme")]
    pub confirm: String,
}

/// The file as JSON, in place of sending it as the raw body.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportOrgsBody {
    /// `slug,name[,description,department,location,contact]`, an org a line.
    #[schema(example = "acme,Acme Corp\nglobex,Globex\n")]
    pub text: String,
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct OrgList {
    pub orgs: Vec<Org>,
}

/// A client org.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Org {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub department: String,
    pub location: String,
    pub contact: String,
    /// The MSPOrg administrator who manages it.
    pub account_manager_id: String,
    pub created_at: String,
}

impl From<pb::Org> for Org {
    fn from(o: pb::Org) -> Self {
        Self {
            id: o.id,
            slug: o.slug,
            name: o.name,
            description: o.description,
            department: o.department,
            location: o.location,
            contact: o.contact,
            account_manager_id: o.account_manager_id,
            created_at: o.created_at,
        }
    }
}

impl From<pb::OrgList> for OrgList {
    fn from(l: pb::OrgList) -> Self {
        Self {
            orgs: l.orgs.into_iter().map(Org::from).collect(),
        }
    }
}

/// A request to delete a client org: asked by its account manager, carried out once a
/// second MSPOrg administrator approves.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct OrgDeletion {
    pub id: String,
    pub org_id: String,
    pub org_slug: String,
    pub org_name: String,
    pub requested_by_id: String,
    pub requested_by: String,
    pub requested_at: String,
    /// `pending`, `approved` (being carried out; approve again to finish a deletion that
    /// failed part way), `deleted`, `rejected` or `cancelled` (by the requester).
    pub status: String,
    /// Who approved, rejected or cancelled it (by name).
    #[schema(required = true)]
    pub decided_by: Option<String>,
    #[schema(required = true)]
    pub decided_at: Option<String>,
    pub note: String,
}

impl From<pb::OrgDeletionRequest> for OrgDeletion {
    fn from(d: pb::OrgDeletionRequest) -> Self {
        Self {
            id: d.id,
            org_id: d.org_id,
            org_slug: d.org_slug,
            org_name: d.org_name,
            requested_by_id: d.requested_by_id,
            requested_by: d.requested_by_name,
            requested_at: d.requested_at,
            status: d.status,
            decided_by: or_null(d.decided_by_name),
            decided_at: or_null(d.decided_at),
            note: d.note,
        }
    }
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct OrgDeletionList {
    pub requests: Vec<OrgDeletion>,
}

/// `?status=`, optional.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrgDeletionQuery {
    /// `pending`, `approved`, `deleted`, `rejected` or `cancelled`; empty: all.
    #[serde(default)]
    pub status: String,
}

/// The outcome of an import, line by line.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct OrgImportReport {
    pub lines: Vec<OrgImportLine>,
    pub created: u32,
    pub rejected: u32,
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct OrgImportLine {
    pub line: u32,
    pub slug: String,
    /// `created` or `rejected`.
    pub outcome: String,
    /// Why a line was rejected.
    #[schema(required = true)]
    pub reason: Option<String>,
}

impl From<pb::ImportOrgsResponse> for OrgImportReport {
    fn from(r: pb::ImportOrgsResponse) -> Self {
        Self {
            lines: r
                .lines
                .into_iter()
                .map(|l| OrgImportLine {
                    line: l.line,
                    slug: l.slug,
                    outcome: l.outcome,
                    reason: or_null(l.reason),
                })
                .collect(),
            created: r.created,
            rejected: r.rejected,
        }
    }
}
