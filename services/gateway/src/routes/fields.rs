//! Resource types (built in and the org's own), the org's additional fields of resources
//! and accounts, and revealing a password-kind field. The layout is `resources.rs`'.

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::vault as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::vault::{
    AdditionalField, AdditionalFieldBody, AdditionalFieldList, ResourceType, ResourceTypeBody,
    ResourceTypeList, RevealQuery, RevealedField,
};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, no_content, ok, secret};
use crate::routes::request::{body, query};

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(list_resource_types))
        .routes(routes!(save_resource_type, delete_resource_type))
        .routes(routes!(list_additional_fields))
        .routes(routes!(save_additional_field, delete_additional_field))
        .routes(routes!(reveal_resource_field))
        .routes(routes!(reveal_account_field))
}

#[utoipa::path(
    get,
    path = "/resource-types",
    tag = tags::VAULT,
    summary = "Resource types: the built-in ones with their fields, then the org's own",
    responses(
        (status = 200, description = "The types", body = ResourceTypeList),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn list_resource_types(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let list = state
        .vault
        .clone()
        .list_resource_types(outgoing(&ctx, pb::ListResourceTypesRequest {}))
        .await?
        .into_inner();
    ok(ResourceTypeList {
        types: list.types.into_iter().map(ResourceType::from).collect(),
    })
}

#[utoipa::path(
    put,
    path = "/resource-types/{name}",
    tag = tags::VAULT,
    summary = "Add one of the org's own resource types, or change one",
    description = "Built-in types cannot change (409). Needs `vault_settings.manage`; audited.",
    params(("name" = String, Path, description = "The type's name")),
    request_body = ResourceTypeBody,
    responses(
        (status = 200, description = "The type as saved", body = ResourceType),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn save_resource_type(
    State(state): State<Gateway>,
    Path(name): Path<String>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: ResourceTypeBody = body(&bytes)?;
    let t = state
        .vault
        .clone()
        .save_resource_type(outgoing(
            &ctx,
            pb::ResourceType {
                name,
                category: b.category,
                fields: b
                    .fields
                    .into_iter()
                    .map(|f| pb::FieldSpec {
                        name: f.name,
                        label: f.label,
                        kind: f.kind,
                        required: f.required,
                        default: f.default,
                    })
                    .collect(),
                built_in: false,
            },
        ))
        .await?
        .into_inner();
    ok(ResourceType::from(t))
}

#[utoipa::path(
    delete,
    path = "/resource-types/{name}",
    tag = tags::VAULT,
    summary = "Delete one of the org's own resource types that no resource has",
    description = "Needs `vault_settings.manage`; 409 while a resource has the type. Audited.",
    params(("name" = String, Path, description = "The type's name")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn delete_resource_type(
    State(state): State<Gateway>,
    Path(name): Path<String>,
    Caller(ctx): Caller,
) -> ApiResult {
    state
        .vault
        .clone()
        .delete_resource_type(outgoing(&ctx, pb::ResourceTypeRef { name }))
        .await?;
    no_content()
}

#[utoipa::path(
    get,
    path = "/additional-fields",
    tag = tags::VAULT,
    summary = "The org's additional fields of resources and accounts",
    responses(
        (status = 200, description = "Resource fields, then account fields", body = AdditionalFieldList),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn list_additional_fields(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let list = state
        .vault
        .clone()
        .list_additional_fields(outgoing(&ctx, pb::ListAdditionalFieldsRequest {}))
        .await?
        .into_inner();
    ok(AdditionalFieldList {
        fields: list.fields.into_iter().map(AdditionalField::from).collect(),
    })
}

#[utoipa::path(
    put,
    path = "/additional-fields/{applies_to}/{name}",
    tag = tags::VAULT,
    summary = "Add a field to every resource or every account, or change its kind",
    description = "Needs `vault_settings.manage`; audited.",
    params(
        ("applies_to" = String, Path, description = "`resource` or `account`"),
        ("name" = String, Path, description = "Lowercase letters, digits and `_`"),
    ),
    request_body = AdditionalFieldBody,
    responses(
        (status = 200, description = "The field", body = AdditionalField),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn save_additional_field(
    State(state): State<Gateway>,
    Path((applies_to, name)): Path<(String, String)>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: AdditionalFieldBody = body(&bytes)?;
    let f = state
        .vault
        .clone()
        .save_additional_field(outgoing(
            &ctx,
            pb::AdditionalField {
                applies_to,
                name,
                kind: b.kind,
                required: b.required,
            },
        ))
        .await?
        .into_inner();
    ok(AdditionalField::from(f))
}

#[utoipa::path(
    delete,
    path = "/additional-fields/{applies_to}/{name}",
    tag = tags::VAULT,
    summary = "Delete an additional field and every value of it",
    description = "Needs `vault_settings.manage`; audited.",
    params(
        ("applies_to" = String, Path, description = "`resource` or `account`"),
        ("name" = String, Path, description = "The field"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn delete_additional_field(
    State(state): State<Gateway>,
    Path((applies_to, name)): Path<(String, String)>,
    Caller(ctx): Caller,
) -> ApiResult {
    state
        .vault
        .clone()
        .delete_additional_field(outgoing(
            &ctx,
            pb::AdditionalField {
                applies_to,
                name,
                kind: String::new(),
                required: false,
            },
        ))
        .await?;
    no_content()
}

async fn reveal_field(
    state: &Gateway,
    ctx: &strongroom_auth::RequestContext,
    owner_kind: &str,
    (id, name): (String, String),
    uri: &Uri,
) -> ApiResult {
    let q: RevealQuery = query(uri)?;
    let r = state
        .vault
        .clone()
        .reveal_field(outgoing(
            ctx,
            pb::RevealFieldRequest {
                owner_kind: owner_kind.into(),
                id,
                name,
                reason: q.reason,
                ticket_id: q.ticket_id,
            },
        ))
        .await?
        .into_inner();
    secret(StatusCode::OK, RevealedField { value: r.password })
}

#[utoipa::path(
    get,
    path = "/resources/{id}/fields/{name}",
    tag = tags::VAULT,
    summary = "Reveal a resource's password-kind field",
    description = "To those who may reveal the resource's passwords; audited with the \
                   reason and ticket (a ticket is needed where the org checks tickets before \
                   reveals), never cached (`Cache-Control: no-store`).",
    params(
        ("id" = String, Path, description = "The resource"),
        ("name" = String, Path, description = "The field"),
        RevealQuery,
    ),
    responses(
        (status = 200, description = "The value", body = RevealedField,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn reveal_resource_field(
    State(state): State<Gateway>,
    Path(path): Path<(String, String)>,
    Caller(ctx): Caller,
    uri: Uri,
) -> ApiResult {
    reveal_field(&state, &ctx, "resource", path, &uri).await
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/fields/{name}",
    tag = tags::VAULT,
    summary = "Reveal an account's password-kind field",
    description = "To those who may reveal the account; audited with the reason, never \
                   cached (`Cache-Control: no-store`).",
    params(
        ("id" = String, Path, description = "The account"),
        ("name" = String, Path, description = "The field"),
        RevealQuery,
    ),
    responses(
        (status = 200, description = "The value", body = RevealedField,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn reveal_account_field(
    State(state): State<Gateway>,
    Path(path): Path<(String, String)>,
    Caller(ctx): Caller,
    uri: Uri,
) -> ApiResult {
    reveal_field(&state, &ctx, "account", path, &uri).await
}
