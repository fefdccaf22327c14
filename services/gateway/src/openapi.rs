//! The REST API's OpenAPI 3.1 document, generated from the handlers: each has a
//! `#[utoipa::path]` and is registered with `routes!`, which adds the route and its
//! operation together, so nothing is served undocumented. `docs/openapi.json` is this
//! document, checked by a test; `GET /api/v1/openapi.json` serves it.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::dto::errors::{
    BadRequest, Conflict, ErrorResponse, Forbidden, NotFound, PayloadTooLarge, TooManyRequests,
    Unauthorized, Unavailable,
};

/// The operations' tags, one an area.
pub mod tags {
    pub const AUTH: &str = "auth";
    pub const USERS: &str = "users";
    pub const GROUPS: &str = "groups";
    pub const ROLES: &str = "roles";
    pub const SETTINGS: &str = "settings";
    pub const DIRECTORY: &str = "directory";
    pub const API_KEYS: &str = "api-keys";
    pub const ORGS: &str = "orgs";
    pub const ORG_ACCESS: &str = "org-access";
    pub const REPLICATION: &str = "replication";
    pub const VAULT: &str = "vault";
    pub const SHARES: &str = "shares";
    pub const ACCESS_CONTROL: &str = "access-control";
    pub const PERSONAL: &str = "personal";
    pub const AUDIT: &str = "audit";
    pub const SYSTEM: &str = "system";
}

/// The security scheme every authenticated operation names.
pub const BEARER: &str = "bearer";

const DESCRIPTION: &str = "\
Strongroom's REST API. Every path is served for MSPOrg at `/api/v1/...` and for a client \
org at `/<org>/api/v1/...` (the org's slug), with the same operations and bodies; \
`/healthz` and `/readyz` are served at the root only.

Bodies are JSON unless an operation says otherwise. Errors are \
`{\"error\": \"<code>\", \"message\": \"...\"}` with the status each operation lists. \
Authenticated operations take `Authorization: Bearer <credential>`: an access token from \
`POST /auth/login` (or `/auth/refresh`), or an API key (`srk_...`). What each role may do \
is listed by `GET /roles`.";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Strongroom",
        version = env!("CARGO_PKG_VERSION"),
        description = DESCRIPTION,
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    modifiers(&BearerScheme),
    components(
        schemas(ErrorResponse),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PayloadTooLarge,
            TooManyRequests,
            Unavailable,
        ),
    ),
    tags(
        (name = tags::AUTH, description = "Signing in and out, refreshing, changing one's own password, and sessions"),
        (name = tags::USERS, description = "Users, their sessions and groups, ownership transfers, and CSV imports"),
        (name = tags::GROUPS, description = "User groups and their members"),
        (name = tags::ROLES, description = "Built-in and custom roles, and the permission catalogue"),
        (name = tags::SETTINGS, description = "The org's login settings, mail server, proxy, MSP staff rights and login-page branding"),
        (name = tags::DIRECTORY, description = "The org's LDAP / Active Directory connection, and importing from it"),
        (name = tags::API_KEYS, description = "The caller's own API keys"),
        (name = tags::ORGS, description = "Client orgs (MSPOrg)"),
        (name = tags::ORG_ACCESS, description = "MSPOrg users' and groups' access to client orgs, and who reaches an org"),
        (name = tags::REPLICATION, description = "Which of MSPOrg's settings every client org receives"),
        (name = tags::VAULT, description = "Resources and accounts, password history and policies, resource types and fields, resource groups, imports and exports"),
        (name = tags::SHARES, description = "Sharing accounts, resources and resource groups with users and user groups, and what is shared with you"),
        (name = tags::ACCESS_CONTROL, description = "The request-release workflow: access control on accounts, resources and resource groups; requests, approvals, checkouts and check-ins; passwords marked for reset"),
        (name = tags::PERSONAL, description = "Each user's personal passwords, locked by a passphrase the server never keeps"),
        (name = tags::AUDIT, description = "The org's audit trail"),
        (name = tags::SYSTEM, description = "Health checks and this document"),
    ),
)]
pub struct ApiDoc;

/// `Authorization: Bearer <access token or API key>`.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "An access token from `POST /auth/login` or `POST /auth/refresh`, or an API key \
                 (`srk_...`) from `POST /api-keys`",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(BEARER, SecurityScheme::Http(scheme));
    }
}

/// Names each operation `<tag>_<handler>` (`groups_list`, `vault_create_resource`): handlers
/// of different areas share names, and clients generated from the document need each
/// operation's id to be its own.
pub fn name_operations(openapi: &mut utoipa::openapi::OpenApi) {
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let tag = operation
                .tags
                .as_ref()
                .and_then(|tags| tags.first())
                .map(|tag| tag.replace('-', "_"));
            if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut()) {
                *id = format!("{tag}_{id}");
            }
        }
    }
}

#[cfg(test)]
mod tests;
