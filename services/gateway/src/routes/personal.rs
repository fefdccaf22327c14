//! Personal passwords: set up, unlock, change the passphrase, delete (a lost passphrase's
//! way out), and the entries (with the unlock token in `X-Personal-Unlock`). Never with an
//! API key. The layout is `resources.rs`'.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_proto::vault as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unavailable};
use crate::dto::personal::{
    Passphrase, PassphraseChange, PersonalDeletion, PersonalEntry, PersonalEntryBody,
    PersonalEntryList, PersonalStatus, PersonalUnlock,
};
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, no_content, ok, secret};
use crate::routes::request::body;

/// The header that carries an unlock token.
const UNLOCK: &str = "x-personal-unlock";

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(personal_status, set_up, delete_store))
        .routes(routes!(unlock))
        .routes(routes!(change_passphrase))
        .routes(routes!(list_entries, add_entry))
        .routes(routes!(update_entry, delete_entry))
}

fn token(headers: &HeaderMap) -> String {
    headers
        .get(UNLOCK)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[utoipa::path(
    get,
    path = "/personal",
    tag = tags::PERSONAL,
    summary = "Whether you have a personal store, and how many entries it holds",
    responses(
        (status = 200, description = "Your store", body = PersonalStatus),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn personal_status(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let s = state
        .vault
        .clone()
        .get_personal_status(outgoing(&ctx, pb::PersonalStatusRequest {}))
        .await?
        .into_inner();
    ok(PersonalStatus::from(s))
}

#[utoipa::path(
    post,
    path = "/personal",
    tag = tags::PERSONAL,
    summary = "Set up your personal store, locked by a passphrase",
    description = "The passphrase (12 characters or more) is never stored; without it nobody, \
                   administrators included, can open the store, and a lost one cannot be \
                   recovered. Your login password plays no part. Not with an API key (403).",
    request_body = Passphrase,
    responses(
        (status = 201, description = "Set up", body = PersonalStatus),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn set_up(State(state): State<Gateway>, Caller(ctx): Caller, bytes: Bytes) -> ApiResult {
    let b: Passphrase = body(&bytes)?;
    let s = state
        .vault
        .clone()
        .set_up_personal_store(outgoing(
            &ctx,
            pb::PersonalPassphrase {
                passphrase: b.passphrase,
            },
        ))
        .await?
        .into_inner();
    secret(StatusCode::CREATED, PersonalStatus::from(s))
}

#[utoipa::path(
    delete,
    path = "/personal",
    tag = tags::PERSONAL,
    summary = "Delete your personal store and every entry in it",
    description = "The way out of a lost passphrase: nothing in it can be recovered. Confirm \
                   with `delete my personal passwords`.",
    request_body = PersonalDeletion,
    responses(
        (status = 200, description = "Deleted", body = PersonalStatus),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn delete_store(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: PersonalDeletion = body(&bytes)?;
    let s = state
        .vault
        .clone()
        .delete_personal_store(outgoing(
            &ctx,
            pb::DeletePersonalStoreRequest { confirm: b.confirm },
        ))
        .await?
        .into_inner();
    ok(PersonalStatus::from(s))
}

#[utoipa::path(
    post,
    path = "/personal/unlock",
    tag = tags::PERSONAL,
    summary = "Unlock your personal store for 15 minutes",
    description = "A wrong passphrase is a 400 that says it cannot be recovered. The token \
                   opens only your store, only until it ends; send it as `X-Personal-Unlock`. \
                   Audited.",
    request_body = Passphrase,
    responses(
        (status = 200, description = "The token", body = PersonalUnlock,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn unlock(State(state): State<Gateway>, Caller(ctx): Caller, bytes: Bytes) -> ApiResult {
    let b: Passphrase = body(&bytes)?;
    let u = state
        .vault
        .clone()
        .unlock_personal_store(outgoing(
            &ctx,
            pb::PersonalPassphrase {
                passphrase: b.passphrase,
            },
        ))
        .await?
        .into_inner();
    secret(
        StatusCode::OK,
        PersonalUnlock {
            token: u.token,
            expires_at: u.expires_at,
        },
    )
}

#[utoipa::path(
    put,
    path = "/personal/passphrase",
    tag = tags::PERSONAL,
    summary = "Change your personal passphrase",
    request_body = PassphraseChange,
    responses(
        (status = 200, description = "Changed", body = PersonalStatus),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn change_passphrase(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: PassphraseChange = body(&bytes)?;
    let s = state
        .vault
        .clone()
        .change_personal_passphrase(outgoing(
            &ctx,
            pb::ChangePersonalPassphraseRequest {
                current: b.current,
                new: b.new,
            },
        ))
        .await?
        .into_inner();
    ok(PersonalStatus::from(s))
}

#[utoipa::path(
    get,
    path = "/personal/entries",
    tag = tags::PERSONAL,
    summary = "Your personal entries, with their passwords",
    params(("X-Personal-Unlock" = String, Header, description = "The unlock token")),
    responses(
        (status = 200, description = "Your entries", body = PersonalEntryList,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn list_entries(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    headers: HeaderMap,
) -> ApiResult {
    let list = state
        .vault
        .clone()
        .list_personal_entries(outgoing(
            &ctx,
            pb::PersonalUnlockRef {
                token: token(&headers),
            },
        ))
        .await?
        .into_inner();
    secret(
        StatusCode::OK,
        PersonalEntryList {
            entries: list.entries.into_iter().map(PersonalEntry::from).collect(),
        },
    )
}

fn entry_input(token: String, id: String, b: PersonalEntryBody) -> pb::PersonalEntryInput {
    pb::PersonalEntryInput {
        token,
        id,
        title: b.title,
        username: b.username,
        password: b.password,
        url: b.url,
        notes: b.notes,
    }
}

#[utoipa::path(
    post,
    path = "/personal/entries",
    tag = tags::PERSONAL,
    summary = "Add a personal entry",
    params(("X-Personal-Unlock" = String, Header, description = "The unlock token")),
    request_body = PersonalEntryBody,
    responses(
        (status = 201, description = "The entry", body = PersonalEntry),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn add_entry(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let b: PersonalEntryBody = body(&bytes)?;
    let e = state
        .vault
        .clone()
        .save_personal_entry(outgoing(
            &ctx,
            entry_input(token(&headers), String::new(), b),
        ))
        .await?
        .into_inner();
    secret(StatusCode::CREATED, PersonalEntry::from(e))
}

#[utoipa::path(
    put,
    path = "/personal/entries/{id}",
    tag = tags::PERSONAL,
    summary = "Change a personal entry",
    params(
        ("id" = String, Path, description = "The entry"),
        ("X-Personal-Unlock" = String, Header, description = "The unlock token"),
    ),
    request_body = PersonalEntryBody,
    responses(
        (status = 200, description = "The entry", body = PersonalEntry),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn update_entry(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let b: PersonalEntryBody = body(&bytes)?;
    let e = state
        .vault
        .clone()
        .save_personal_entry(outgoing(&ctx, entry_input(token(&headers), id, b)))
        .await?
        .into_inner();
    secret(StatusCode::OK, PersonalEntry::from(e))
}

#[utoipa::path(
    delete,
    path = "/personal/entries/{id}",
    tag = tags::PERSONAL,
    summary = "Delete a personal entry",
    params(
        ("id" = String, Path, description = "The entry"),
        ("X-Personal-Unlock" = String, Header, description = "The unlock token"),
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
async fn delete_entry(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    Caller(ctx): Caller,
    headers: HeaderMap,
) -> ApiResult {
    state
        .vault
        .clone()
        .delete_personal_entry(outgoing(
            &ctx,
            pb::PersonalEntryRef {
                token: token(&headers),
                id,
            },
        ))
        .await?;
    no_content()
}
