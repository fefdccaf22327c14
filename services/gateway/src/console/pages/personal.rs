//! The visitor's personal passwords: setting the store up, opening it with the passphrase
//! (the unlock token is kept in a cookie for these pages only), its entries, and locking
//! it again.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use strongroom_auth::RequestContext;

use super::Chrome;
use super::paths::segment;
use crate::console::client::OnBehalf;
use crate::console::session::{Form, NoFields, Signed, Visit};
use crate::console::{Console, Outcome, PageResult};
use crate::dto::personal::{
    Passphrase, PassphraseChange, PersonalDeletion, PersonalEntry, PersonalEntryBody,
    PersonalEntryList, PersonalStatus, PersonalUnlock,
};

#[derive(Template)]
#[template(path = "personal.html")]
struct PersonalPage {
    c: Chrome,
    exists: bool,
    count: u32,
    /// The entries, once the store is open.
    entries: Option<Vec<PersonalEntry>>,
    notice: Option<String>,
    error: Option<String>,
}

/// The visitor's session, with the store's unlock token when they hold one.
fn unlocked(visit: &Visit) -> OnBehalf {
    OnBehalf {
        personal_unlock: visit.personal_unlock(),
        ..visit.who.clone()
    }
}

async fn personal_page(
    console: &Console,
    visit: &Visit,
    ctx: &RequestContext,
    outcome: Outcome,
) -> PageResult {
    let status: PersonalStatus = console.api.get(&visit.who, "/personal").await?;
    let entries = match visit.personal_unlock() {
        Some(_) if status.exists => {
            match console
                .api
                .get::<PersonalEntryList>(&unlocked(visit), "/personal/entries")
                .await
            {
                Ok(list) => Some(list.entries),
                // The token lapsed (15 minutes) or was refused: open the store again.
                Err(_) => {
                    visit.keep_personal_unlock(None);
                    None
                }
            }
        }
        _ => None,
    };
    let page = PersonalPage {
        c: Chrome::signed(visit, ctx),
        exists: status.exists,
        count: status.entries,
        entries,
        notice: outcome.notice(),
        error: outcome.error(),
    };
    Ok(outcome.respond(&page))
}

pub async fn show(State(console): State<Console>, Signed { visit, ctx }: Signed) -> PageResult {
    personal_page(&console, &visit, &ctx, Outcome::Nothing).await
}

#[derive(Deserialize)]
pub struct PassphraseForm {
    #[serde(default)]
    passphrase: String,
}

pub async fn set_up(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<PassphraseForm>,
) -> PageResult {
    let body = Passphrase {
        passphrase: form.passphrase,
    };
    match console
        .api
        .act(&visit.who, Method::POST, "/personal", &body)
        .await
    {
        Ok(()) => {
            let notice = "Your store is set up: open it with your passphrase.";
            personal_page(&console, &visit, &ctx, Outcome::done(notice)).await
        }
        Err(refusal) => personal_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}

pub async fn unlock(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<PassphraseForm>,
) -> PageResult {
    let body = Passphrase {
        passphrase: form.passphrase,
    };
    match console
        .api
        .call::<_, PersonalUnlock>(&visit.who, Method::POST, "/personal/unlock", &body)
        .await
    {
        Ok(unlock) => {
            visit.keep_personal_unlock(Some(&unlock.token));
            Ok(Redirect::to(&format!("{}/personal", visit.base)).into_response())
        }
        Err(refusal) => personal_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}

pub async fn lock(Signed { visit, .. }: Signed, Form(_): Form<NoFields>) -> PageResult {
    visit.keep_personal_unlock(None);
    Ok(Redirect::to(&format!("{}/personal", visit.base)).into_response())
}

#[derive(Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    notes: String,
}

pub async fn add(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<EntryForm>,
) -> PageResult {
    let body = PersonalEntryBody {
        title: form.title,
        username: form.username,
        password: form.password,
        url: form.url,
        notes: form.notes,
    };
    match console
        .api
        .call::<_, PersonalEntry>(&unlocked(&visit), Method::POST, "/personal/entries", &body)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/personal", visit.base)).into_response()),
        Err(refusal) => personal_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}

pub async fn delete(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Path(id): Path<String>,
    Form(_): Form<NoFields>,
) -> PageResult {
    let path = format!("/personal/entries/{}", segment(&id));
    match console
        .api
        .send(&unlocked(&visit), Method::DELETE, &path, None)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/personal", visit.base)).into_response()),
        Err(refusal) => personal_page(&console, &visit, &ctx, Outcome::Refused(refusal)).await,
    }
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

/// Changes the passphrase (the store's entries are sealed again under the new one).
pub async fn change_passphrase(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<ChangeForm>,
) -> PageResult {
    let body = PassphraseChange {
        current: form.current,
        new: form.new,
    };
    let changed = console
        .api
        .act(&visit.who, Method::PUT, "/personal/passphrase", &body)
        .await;
    if changed.is_ok() {
        // Whatever was opened with the old passphrase is opened again with the new one.
        visit.keep_personal_unlock(None);
    }
    let outcome = Outcome::of(
        changed,
        "Your passphrase is changed: open the store with it.",
    );
    personal_page(&console, &visit, &ctx, outcome).await
}

#[derive(Deserialize)]
pub struct DeletionForm {
    #[serde(default)]
    confirm: String,
}

/// Deletes the store and every entry in it: the way out of a lost passphrase.
pub async fn delete_store(
    State(console): State<Console>,
    Signed { visit, ctx }: Signed,
    Form(form): Form<DeletionForm>,
) -> PageResult {
    let body = PersonalDeletion {
        confirm: form.confirm,
    };
    let body = serde_json::to_vec(&body).unwrap_or_default();
    let deleted = console
        .api
        .send(&visit.who, Method::DELETE, "/personal", Some(body))
        .await;
    if deleted.is_ok() {
        visit.keep_personal_unlock(None);
    }
    let outcome = Outcome::of(deleted, "Your personal store is deleted.");
    personal_page(&console, &visit, &ctx, outcome).await
}
