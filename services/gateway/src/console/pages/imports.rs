//! Importing resources and accounts from a file, and watching the import run: the job's
//! page shows a progress bar and reloads itself each second until the import ends.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Redirect};
use base64::Engine as _;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::paths::segment;
use crate::console::client::Refusal;
use crate::console::session::{Signed, Visit, check_form};
use crate::console::{Console, Outcome, PageError, PageResult, render};
use crate::dto::imports::{ImportBody, ImportJob, ImportJobDetail, ImportJobList};

/// The largest file the console takes, as the API does (20 MiB).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    c: Chrome,
    jobs: Vec<ImportJob>,
    error: Option<String>,
}

async fn imports_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    outcome: Outcome,
) -> PageResult {
    let list: ImportJobList = console.api.get(&visit.who, "/imports").await?;
    let page = ImportsPage {
        c: Chrome::signed(visit, ctx),
        jobs: list.jobs,
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn list(State(console): State<Console>, Signed { visit, ctx }: Signed) -> PageResult {
    imports_page(&console, &visit, &ctx, Outcome::Nothing).await
}

/// An upload form's fields: its file, its CSRF token and its other fields.
#[derive(Default)]
pub struct Upload {
    pub csrf: String,
    pub file: Vec<u8>,
    fields: Vec<(String, String)>,
}

impl Upload {
    /// A text field's value ("" when the form has none).
    pub fn field(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// Reads a multipart form; check its CSRF token before using anything in it.
pub async fn read_upload(mut form: Multipart) -> Result<Upload, PageError> {
    let mut upload = Upload::default();
    let bad = |e: axum::extract::multipart::MultipartError| {
        PageError::bad_input(format!("the upload could not be read: {}", e.body_text()))
    };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => upload.file = field.bytes().await.map_err(bad)?.to_vec(),
            "csrf" => upload.csrf = field.text().await.map_err(bad)?,
            _ => {
                let value = field.text().await.map_err(bad)?;
                upload.fields.push((name, value));
            }
        }
    }
    Ok(upload)
}

pub async fn start(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    headers: HeaderMap,
    form: Multipart,
) -> PageResult {
    // Nothing of a cross-site upload is used: the token is checked before the import.
    let upload = read_upload(form).await?;
    check_form(&Method::POST, &headers, &upload.csrf)?;
    if upload.file.is_empty() {
        let refusal = Refusal::bad_input("Choose a file to import.");
        return imports_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await;
    }
    let body = ImportBody {
        format: upload.field("format"),
        file_base64: base64::engine::general_purpose::STANDARD.encode(&upload.file),
        zip: None,
        keepass_password: upload.field("keepass_password"),
        column_mapping: Default::default(),
        dry_run: false,
        on_conflict: upload.field("on_conflict"),
    };
    match console
        .api
        .call::<_, ImportJob>(&visit.who, Method::POST, "/imports", &body)
        .await
    {
        Ok(job) => Ok(
            Redirect::to(&format!("{}/imports/{}", visit.base, segment(&job.id))).into_response(),
        ),
        Err(refusal) => imports_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    c: Chrome,
    detail: ImportJobDetail,
}

pub async fn show(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
) -> PageResult {
    let detail: ImportJobDetail = console
        .api
        .get(&visit.who, &format!("/imports/{}", segment(&id)))
        .await?;
    Ok(render(&ImportPage {
        c: Chrome::signed(&visit, &ctx),
        detail,
    }))
}
