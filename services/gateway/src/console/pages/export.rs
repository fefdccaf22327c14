//! Exporting what the visitor may see for offline use: the API's file, passed on as the
//! download it is (never cached; audited by the vault before it is written).

use askama::Template;
use axum::extract::State;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::Chrome;
use crate::console::session::{Form, Signed};
use crate::console::{Console, render};
use crate::dto::vault::ExportRequest;

#[derive(Template)]
#[template(path = "export.html")]
struct ExportPage {
    c: Chrome,
    error: Option<String>,
}

pub async fn page(Signed { visit, ctx }: Signed) -> Response {
    render(&ExportPage {
        c: Chrome::signed(&visit, &ctx),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    format: String,
    #[serde(default)]
    passphrase: String,
}

pub async fn export(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<ExportForm>,
) -> Response {
    let body = ExportRequest {
        format: form.format,
        passphrase: form.passphrase,
        resource_ids: Vec::new(),
        group_id: String::new(),
    };
    let body = match serde_json::to_vec(&body) {
        Ok(body) => body,
        Err(e) => {
            return crate::console::PageError::bad_input(e.to_string()).into_response();
        }
    };
    match console
        .api
        .send(&visit.who, Method::POST, "/export", Some(body))
        .await
    {
        Ok(reply) => {
            let mut response = reply.body.into_response();
            for name in [header::CONTENT_TYPE, header::CONTENT_DISPOSITION] {
                if let Some(value) = reply.headers.get(&name) {
                    response.headers_mut().insert(name, value.clone());
                }
            }
            response
        }
        Err(refusal) => {
            let page = ExportPage {
                c: Chrome::signed(&visit, &ctx),
                error: Some(refusal.message),
            };
            (refusal.status, render(&page)).into_response()
        }
    }
}
