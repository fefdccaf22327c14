//! Resources and their accounts: the paged list with search and filters, adding a
//! resource and its accounts, editing and deleting a resource.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::group_tree::{TreeNode, flatten, static_groups};
use super::paths::segment;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, Outcome, PageError, PageResult, render};
use crate::dto::resource_groups::ResourceGroupTree;
use crate::dto::vault::{
    Account, DeleteConfirmation, Deleted, NewAccount, NewResource, Resource, ResourceChanges,
    ResourceDetail, ResourcePage, ResourceQuery,
};

/// Resources a page lists (the API's default page).
const PAGE: u32 = 50;

#[derive(Template)]
#[template(path = "resources.html")]
struct ListPage {
    c: Chrome,
    tree: Vec<TreeNode>,
    query: ResourceQuery,
    resources: Vec<Resource>,
    total: u64,
    first: u64,
    last: u64,
    previous: Option<String>,
    next: Option<String>,
}

/// The list takes the API's own query (`q`, `type`, `favourites`, `offset`, ...): the
/// API checks it, and a query it refuses is shown with its message.
pub async fn list(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let raw = raw.unwrap_or_default();
    // Empty fields of the search form are left out rather than sent as "".
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str::<Vec<(String, String)>>(&raw)
        .map_err(|e| PageError::bad_input(format!("the address does not fit: {e}")))?
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let query_text = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let list_path = format!("/resources?{query_text}");
    let (page, groups) = tokio::join!(
        console.api.get::<ResourcePage>(&visit.who, &list_path),
        console
            .api
            .get::<ResourceGroupTree>(&visit.who, "/resource-groups"),
    );
    let page = page?;
    let mut tree = Vec::new();
    flatten(groups.map(|t| t.groups).unwrap_or_default(), 0, &mut tree);
    let query: ResourceQuery = serde_urlencoded::from_str(&query_text).unwrap_or_default();
    let limit = if query.limit == 0 { PAGE } else { query.limit };
    let shown = page.resources.len() as u64;
    let offset = u64::from(query.offset);
    let with_offset = |offset: u64| {
        let mut pairs: Vec<(String, String)> = pairs
            .iter()
            .filter(|(k, _)| k != "offset")
            .cloned()
            .collect();
        pairs.push(("offset".into(), offset.to_string()));
        format!(
            "{}/resources?{}",
            visit.base,
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    };
    let list = ListPage {
        c: Chrome::signed(&visit, &ctx),
        tree,
        total: page.total,
        first: offset + 1,
        last: offset + shown,
        previous: (offset > 0).then(|| with_offset(offset.saturating_sub(u64::from(limit)))),
        next: (offset + shown < page.total).then(|| with_offset(offset + shown)),
        resources: page.resources,
        query,
    };
    Ok(render(&list))
}

#[derive(Template)]
#[template(path = "resource_new.html")]
struct NewPage {
    c: Chrome,
    form: ResourceForm,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ResourceForm {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    resource_type: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    description: String,
}

pub async fn new_page(Signed { visit, ctx }: Signed) -> Response {
    render(&NewPage {
        c: Chrome::signed(&visit, &ctx),
        form: ResourceForm::default(),
        error: None,
    })
}

pub async fn create(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<ResourceForm>,
) -> Response {
    let body = NewResource {
        name: form.name.clone(),
        resource_type: form.resource_type.clone(),
        host: form.host.clone(),
        url: form.url.clone(),
        department: form.department.clone(),
        location: form.location.clone(),
        description: form.description.clone(),
        notes: String::new(),
        password_policy: String::new(),
        fields: Default::default(),
    };
    match console
        .api
        .call::<_, Resource>(&visit.who, Method::POST, "/resources", &body)
        .await
    {
        Ok(resource) => Redirect::to(&format!(
            "{}/resources/{}",
            visit.base,
            segment(&resource.id)
        ))
        .into_response(),
        Err(refusal) => {
            let page = NewPage {
                c: Chrome::signed(&visit, &ctx),
                form,
                error: Some(refusal.message),
            };
            (refusal.status, render(&page)).into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "resource.html")]
struct DetailPage {
    c: Chrome,
    detail: ResourceDetail,
    /// Static groups the resource may be put in.
    groups: Vec<TreeNode>,
    notice: Option<String>,
    error: Option<String>,
}

pub async fn detail_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    id: &str,
    outcome: Outcome,
) -> PageResult {
    let path = format!("/resources/{}", segment(id));
    let (detail, groups) = tokio::join!(
        console.api.get::<ResourceDetail>(&visit.who, &path),
        static_groups(console, visit),
    );
    let page = DetailPage {
        c: Chrome::signed(visit, ctx),
        detail: detail?,
        groups,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn show(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
) -> PageResult {
    detail_page(&console, &visit, &ctx, &id, Outcome::Nothing).await
}

#[derive(Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    notes: String,
}

pub async fn add_account(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<AccountForm>,
) -> PageResult {
    let body = NewAccount {
        username: form.username,
        password: form.password,
        notes: form.notes,
        fields: Default::default(),
    };
    let path = format!("/resources/{}/accounts", segment(&id));
    match console
        .api
        .call::<_, Account>(&visit.who, Method::POST, &path, &body)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("{}/resources/{}", visit.base, segment(&id))).into_response())
        }
        Err(refusal) => detail_page(&console, &visit, &ctx, &id, Outcome::Refused(refusal)).await,
    }
}

#[derive(Template)]
#[template(path = "resource_edit.html")]
struct EditPage {
    c: Chrome,
    resource: Resource,
    error: Option<String>,
}

pub async fn edit_page(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
) -> PageResult {
    let detail: ResourceDetail = console
        .api
        .get(&visit.who, &format!("/resources/{}", segment(&id)))
        .await?;
    Ok(render(&EditPage {
        c: Chrome::signed(&visit, &ctx),
        resource: detail.resource,
        error: None,
    }))
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(flatten)]
    resource: ResourceForm,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    password_policy: String,
}

/// Saves every field of the form (the page shows them all, so none is left out).
pub async fn save(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<EditForm>,
) -> PageResult {
    let r = form.resource;
    let changes = ResourceChanges {
        name: Some(r.name),
        resource_type: Some(r.resource_type),
        host: Some(r.host),
        url: Some(r.url),
        department: Some(r.department),
        location: Some(r.location),
        description: Some(r.description),
        notes: Some(form.notes),
        password_policy: Some(form.password_policy),
        fields: Default::default(),
    };
    let path = format!("/resources/{}", segment(&id));
    match console
        .api
        .call::<_, Resource>(&visit.who, Method::PATCH, &path, &changes)
        .await
    {
        Ok(resource) => Ok(Redirect::to(&format!(
            "{}/resources/{}",
            visit.base,
            segment(&resource.id)
        ))
        .into_response()),
        Err(refusal) => {
            let detail: ResourceDetail = console.api.get(&visit.who, &path).await?;
            let page = EditPage {
                c: Chrome::signed(&visit, &ctx),
                resource: detail.resource,
                error: Some(refusal.message),
            };
            Ok((refusal.status, render(&page)).into_response())
        }
    }
}

pub async fn restore(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let path = format!("/resources/{}/restore", segment(&id));
    let restored = console
        .api
        .ask::<Resource>(&visit.who, Method::POST, &path)
        .await;
    let outcome = Outcome::of(restored, "The resource is back from the trash.");
    detail_page(&console, &visit, &ctx, &id, outcome).await
}

#[derive(Deserialize)]
pub struct FavouriteForm {
    #[serde(default)]
    on: bool,
}

pub async fn favourite(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<FavouriteForm>,
) -> PageResult {
    let method = if form.on { Method::PUT } else { Method::DELETE };
    let path = format!("/resources/{}/favourite", segment(&id));
    match console.api.send(&visit.who, method, &path, None).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("{}/resources/{}", visit.base, segment(&id))).into_response())
        }
        Err(refusal) => detail_page(&console, &visit, &ctx, &id, Outcome::Refused(refusal)).await,
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    pub confirm: String,
    #[serde(default)]
    pub purge: bool,
}

/// Moves the resource to the trash (or, from the trash, deletes it for good) once its
/// name is typed again.
pub async fn delete(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> PageResult {
    let body = DeleteConfirmation {
        confirm: form.confirm,
        purge: form.purge,
    };
    let path = format!("/resources/{}", segment(&id));
    match console
        .api
        .call::<_, Deleted>(&visit.who, Method::DELETE, &path, &body)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/resources", visit.base)).into_response()),
        Err(refusal) => detail_page(&console, &visit, &ctx, &id, Outcome::Refused(refusal)).await,
    }
}
