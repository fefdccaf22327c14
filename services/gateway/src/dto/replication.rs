//! Settings replication across client orgs.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use strongroom_proto::tenant as pb;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use super::or_null;

/// Which of MSPOrg's settings every client org receives, kind by kind.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ReplicationSettings {
    pub kinds: Vec<ReplicationKind>,
}

/// One kind of setting.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ReplicationKind {
    #[schema(example = "user_roles")]
    pub kind: String,
    pub label: String,
    /// Whether the kind can be chosen yet (else `reason` says why not).
    pub available: bool,
    pub enabled: bool,
    /// Raised by every save of the kind.
    pub version: i64,
    /// The kind's options, e.g. `{"on_conflict": "rename"}`.
    #[schema(value_type = Object)]
    pub options: Value,
    #[schema(required = true)]
    pub updated_by: Option<String>,
    #[schema(required = true)]
    pub updated_at: Option<String>,
    /// Why the kind is not available; present only then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reason: Option<String>,
}

impl From<pb::ReplicationKind> for ReplicationKind {
    fn from(k: pb::ReplicationKind) -> Self {
        Self {
            options: super::parsed_json(&k.options_json, Value::Object(Map::new())),
            reason: (!k.available).then_some(k.reason),
            kind: k.kind,
            label: k.label,
            available: k.available,
            enabled: k.enabled,
            version: k.version,
            updated_by: or_null(k.updated_by),
            updated_at: or_null(k.updated_at),
        }
    }
}

impl From<pb::ReplicationSettings> for ReplicationSettings {
    fn from(s: pb::ReplicationSettings) -> Self {
        Self {
            kinds: s.kinds.into_iter().map(ReplicationKind::from).collect(),
        }
    }
}

/// The kinds to save, each `true`/`false` or `{"enabled": bool, ...options}`; the kinds
/// not named keep their setting. Each choice is checked by the handler, which names the
/// kind that does not fit.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReplicationChoices(pub Map<String, Value>);

impl PartialSchema for ReplicationChoices {
    fn schema() -> RefOr<Schema> {
        let with_options = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("enabled", ObjectBuilder::new().schema_type(Type::Boolean))
            .required("enabled")
            .additional_properties(Some(AdditionalProperties::FreeForm(true)))
            .description(Some("On or off, with the kind's options"));
        let choice = OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Boolean)
                    .description(Some("On or off")),
            )
            .item(with_options);
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "The kinds to save, each `true`/`false` or `{\"enabled\": bool, ...options}`; \
                 the kinds not named keep their setting.",
            ))
            .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::OneOf(
                choice.build(),
            )))))
            .examples([serde_json::json!({
                "user_groups": true,
                "user_roles": {"enabled": true, "on_conflict": "rename"}
            })])
            .into()
    }
}

impl ToSchema for ReplicationChoices {}
