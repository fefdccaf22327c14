//! What an org's resources are made of, and how they are sealed: resource types (built in
//! and the org's own, with their fields), additional fields every resource or account
//! carries, and the org's data keys (versions, rotating now, the rotation schedule).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::paths::segment;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, Outcome, PageResult};
use crate::dto::vault::{
    AdditionalField, AdditionalFieldBody, AdditionalFieldList, DataKeys, FieldSpec, KeyRotation,
    KeyRotationSchedule, KeyRotationScheduleBody, ResourceType, ResourceTypeBody, ResourceTypeList,
};

/// Categories a resource type may have, as the API names them.
const CATEGORIES: [&str; 7] = [
    "operating_system",
    "database",
    "network_device",
    "directory",
    "application",
    "cloud",
    "other",
];
/// Kinds of field, as the API names them.
const KINDS: [&str; 5] = ["text", "number", "date", "multiline", "password"];
/// Field rows the type form offers.
const FIELD_ROWS: usize = 4;

#[derive(Template)]
#[template(path = "fields.html")]
struct FieldsPage {
    c: Chrome,
    types: Vec<ResourceType>,
    fields: Vec<AdditionalField>,
    categories: [&'static str; 7],
    kinds: [&'static str; 5],
    rows: std::ops::RangeInclusive<usize>,
    notice: Option<String>,
    error: Option<String>,
}

async fn fields_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    outcome: Outcome,
) -> PageResult {
    let (types, fields) = tokio::join!(
        console
            .api
            .get::<ResourceTypeList>(&visit.who, "/resource-types"),
        console
            .api
            .get::<AdditionalFieldList>(&visit.who, "/additional-fields"),
    );
    let page = FieldsPage {
        c: Chrome::signed(visit, ctx),
        types: types?.types,
        fields: fields?.fields,
        categories: CATEGORIES,
        kinds: KINDS,
        rows: 1..=FIELD_ROWS,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn fields(State(console): State<Console>, Signed { visit, ctx }: Signed) -> PageResult {
    fields_page(&console, &visit, &ctx, Outcome::Nothing).await
}

/// The type form: its name, category, and rows `name_<n>`, `label_<n>`, `kind_<n>`,
/// `required_<n>`, `default_<n>` (a row without a name is left out); read as pairs.
pub async fn save_type(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let fields = (1..=FIELD_ROWS)
        .filter(|n| !field(&format!("name_{n}")).is_empty())
        .map(|n| FieldSpec {
            name: field(&format!("name_{n}")),
            label: field(&format!("label_{n}")),
            kind: field(&format!("kind_{n}")),
            required: field(&format!("required_{n}")) == "true",
            default: field(&format!("default_{n}")),
        })
        .collect();
    let name = field("name");
    let body = ResourceTypeBody {
        category: field("category"),
        fields,
    };
    let path = format!("/resource-types/{}", segment(&name));
    let saved = if name.is_empty() {
        Err(crate::console::client::Refusal::bad_input(
            "name the resource type",
        ))
    } else {
        console
            .api
            .call::<_, ResourceType>(&visit.who, Method::PUT, &path, &body)
            .await
    };
    let outcome = Outcome::of(saved, &format!("The type {name} is saved."));
    fields_page(&console, &visit, &ctx, outcome).await
}

pub async fn remove_type(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(name): Path<String>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let path = format!("/resource-types/{}", segment(&name));
    let removed = console
        .api
        .send(&visit.who, Method::DELETE, &path, None)
        .await;
    let outcome = Outcome::of(removed, &format!("The type {name} is removed."));
    fields_page(&console, &visit, &ctx, outcome).await
}

#[derive(Deserialize)]
pub struct AdditionalFieldForm {
    #[serde(default)]
    applies_to: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    required: bool,
}

pub async fn save_field(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<AdditionalFieldForm>,
) -> PageResult {
    let path = format!(
        "/additional-fields/{}/{}",
        segment(&form.applies_to),
        segment(form.name.trim())
    );
    let body = AdditionalFieldBody {
        kind: form.kind,
        required: form.required,
    };
    let saved = console
        .api
        .call::<_, AdditionalField>(&visit.who, Method::PUT, &path, &body)
        .await;
    let outcome = Outcome::of(saved, &format!("The field {} is saved.", form.name.trim()));
    fields_page(&console, &visit, &ctx, outcome).await
}

pub async fn remove_field(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path((applies_to, name)): Path<(String, String)>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let path = format!(
        "/additional-fields/{}/{}",
        segment(&applies_to),
        segment(&name)
    );
    let removed = console
        .api
        .send(&visit.who, Method::DELETE, &path, None)
        .await;
    let outcome = Outcome::of(removed, &format!("The field {name} is removed."));
    fields_page(&console, &visit, &ctx, outcome).await
}

#[derive(Template)]
#[template(path = "data_keys.html")]
struct DataKeysPage {
    c: Chrome,
    keys: DataKeys,
    notice: Option<String>,
    error: Option<String>,
}

async fn data_keys_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    outcome: Outcome,
) -> PageResult {
    let keys: DataKeys = console.api.get(&visit.who, "/data-keys").await?;
    let page = DataKeysPage {
        c: Chrome::signed(visit, ctx),
        keys,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn data_keys(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
) -> PageResult {
    data_keys_page(&console, &visit, &ctx, Outcome::Nothing).await
}

/// Starts a rotation; the page shows its progress (reload to follow it).
pub async fn rotate(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(_): Form<NoFields>,
) -> PageResult {
    let started = console
        .api
        .ask::<KeyRotation>(&visit.who, Method::POST, "/data-keys/rotate")
        .await;
    let outcome = match started {
        Ok(r) => Outcome::done(format!(
            "Rotation to data key version {} started.",
            r.to_version
        )),
        Err(refusal) => Outcome::Refused(refusal),
    };
    data_keys_page(&console, &visit, &ctx, outcome).await
}

#[derive(Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    every_days: String,
}

pub async fn schedule(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<ScheduleForm>,
) -> PageResult {
    let saved = match form.every_days.trim().parse::<u32>() {
        Ok(every_days) => {
            let body = KeyRotationScheduleBody { every_days };
            console
                .api
                .call::<_, KeyRotationSchedule>(
                    &visit.who,
                    Method::PUT,
                    "/data-keys/schedule",
                    &body,
                )
                .await
        }
        Err(_) => Err(crate::console::client::Refusal::bad_input(
            "the days between rotations must be a whole number (0 turns the schedule off)",
        )),
    };
    let outcome = Outcome::of(saved, "The schedule is saved.");
    data_keys_page(&console, &visit, &ctx, outcome).await
}
