//! The web console: server-rendered pages (askama templates, escaped by default) for
//! MSPOrg at `/` and each client org at `/<org>/`, served at the API's origin. Every page
//! is a client of the REST API (see [`client`]): it sends the API's typed requests in
//! process and shows the API's answers, refusals included, so a page can do nothing the
//! API refuses. Reading pages works without JavaScript; `console.js` only adds comforts
//! (copy buttons, hiding a revealed password again).
//!
//! Adding a page: a template in `templates/`, a handler in the module of its area that
//! calls the API operation through [`client::ApiClient`], its route in [`router`], and a
//! step in the browser test (`e2e/tests/it/console.rs`).

mod client;
mod page;
mod pages;
mod refresher;
mod session;
mod state;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::Gateway;
pub use client::ApiClient;
pub use page::{Outcome, PageError, PageResult, render};
use refresher::Refresher;
use session::CookieJar;
pub use state::{Console, DEFAULT_REVEAL_SECONDS, Inner};

/// The console's pages, in front of the API: whatever is not a page (`/api/...`, health)
/// goes to `api`.
pub fn router(gateway: Gateway, api: Router, reveal_seconds: u32) -> Router {
    let console = Console(Arc::new(Inner {
        gateway,
        api: ApiClient::new(api.clone()),
        refresher: Refresher::default(),
        reveal_seconds,
    }));
    let pages = Router::new()
        .route("/", get(pages::dashboard::show))
        .route(
            "/login",
            get(pages::auth::login_page).post(pages::auth::login),
        )
        .route("/logout", post(pages::auth::logout))
        .route(
            "/password",
            get(pages::auth::password_page).post(pages::auth::change_password),
        )
        .route("/switch", get(pages::dashboard::switch_org))
        .route("/resources", get(pages::resources::list))
        .route(
            "/resources/new",
            get(pages::resources::new_page).post(pages::resources::create),
        )
        .route(
            "/resources/groups",
            get(pages::resource_groups::list).post(pages::resource_groups::add),
        )
        .route(
            "/resources/groups/{id}",
            get(pages::resource_groups::show).post(pages::resource_groups::save),
        )
        .route(
            "/resources/groups/{id}/report",
            get(pages::resource_groups::report),
        )
        .route(
            "/resources/groups/{id}/policy",
            post(pages::resource_groups::set_policy),
        )
        .route(
            "/resources/groups/{id}/delete",
            post(pages::resource_groups::delete),
        )
        .route(
            "/resources/groups/{id}/resources/{resource_id}/remove",
            post(pages::group_members::remove_resource),
        )
        .route(
            "/resources/{id}/groups",
            post(pages::group_members::add_resource),
        )
        .route(
            "/accounts/{id}/groups",
            post(pages::group_members::add_account),
        )
        .route(
            "/accounts/{id}/groups/remove",
            post(pages::group_members::remove_account),
        )
        .route("/accounts/{id}/move", post(pages::accounts::move_account))
        .route("/resources/{id}", get(pages::resources::show))
        .route(
            "/resources/{id}/accounts",
            post(pages::resources::add_account),
        )
        .route(
            "/resources/{id}/edit",
            get(pages::resources::edit_page).post(pages::resources::save),
        )
        .route("/resources/{id}/delete", post(pages::resources::delete))
        .route(
            "/resources/{id}/favourite",
            post(pages::resources::favourite),
        )
        .route("/accounts/{id}", get(pages::accounts::show))
        .route(
            "/accounts/{id}/sharing",
            get(pages::shares::show_account).post(pages::shares::share_account),
        )
        .route(
            "/accounts/{id}/sharing/{share}/end",
            post(pages::shares::end_account),
        )
        .route(
            "/resources/{id}/sharing",
            get(pages::shares::show_resource).post(pages::shares::share_resource),
        )
        .route(
            "/resources/{id}/sharing/{share}/end",
            post(pages::shares::end_resource),
        )
        .route(
            "/resources/groups/{id}/sharing",
            get(pages::shares::show_group).post(pages::shares::share_group),
        )
        .route(
            "/resources/groups/{id}/notifications",
            get(pages::group_notifications::show).post(pages::group_notifications::save),
        )
        .route(
            "/resources/groups/{id}/sharing/{share}/end",
            post(pages::shares::end_group),
        )
        .route("/shared-with-me", get(pages::shares::shared_with_me))
        .route(
            "/accounts/{id}/access-control",
            pages::access_control::page(pages::shares::Kind::Account),
        )
        .route(
            "/accounts/{id}/access-control/off",
            pages::access_control::off(pages::shares::Kind::Account),
        )
        .route(
            "/resources/{id}/access-control",
            pages::access_control::page(pages::shares::Kind::Resource),
        )
        .route(
            "/resources/{id}/access-control/off",
            pages::access_control::off(pages::shares::Kind::Resource),
        )
        .route(
            "/resources/groups/{id}/access-control",
            pages::access_control::page(pages::shares::Kind::ResourceGroup),
        )
        .route(
            "/resources/groups/{id}/access-control/off",
            pages::access_control::off(pages::shares::Kind::ResourceGroup),
        )
        .route("/access-requests", get(pages::requests::show))
        .route("/accounts/{id}/request", post(pages::requests::ask))
        .route(
            "/access-requests/{id}/decide",
            post(pages::requests::decide),
        )
        .route(
            "/access-requests/{id}/check-out",
            post(pages::requests::check_out),
        )
        .route(
            "/access-requests/{id}/check-in",
            post(pages::requests::check_in),
        )
        .route("/accounts/{id}/reveal", post(pages::accounts::reveal))
        .route(
            "/accounts/{id}/password",
            post(pages::accounts::set_password),
        )
        .route("/accounts/{id}/delete", post(pages::accounts::delete))
        .route("/resources/{id}/restore", post(pages::resources::restore))
        .route("/accounts/{id}/restore", post(pages::accounts::restore))
        .route(
            "/accounts/{id}/versions/{version}",
            post(pages::accounts::version),
        )
        .route(
            "/users/import",
            get(pages::users::import_page).post(pages::users::import),
        )
        .route("/users", get(pages::users::list).post(pages::users::add))
        .route("/users/{id}", get(pages::users::show))
        .route("/users/{id}/edit", post(pages::users::edit))
        .route("/users/{id}/password", post(pages::users::set_password))
        .route("/users/{id}/unlock", post(pages::users::unlock))
        .route("/users/{id}/end-sessions", post(pages::users::end_sessions))
        .route("/users/{id}/remove", post(pages::users::remove))
        .route("/orgs", get(pages::orgs::list).post(pages::orgs::add))
        .route(
            "/orgs/import",
            get(pages::orgs::import_page).post(pages::orgs::import),
        )
        .route(
            "/orgs/replication",
            get(pages::orgs::replication).post(pages::orgs::save_replication),
        )
        .route("/orgs/{id}", get(pages::orgs::show))
        .route("/orgs/{id}/edit", post(pages::orgs::edit))
        .route("/orgs/{id}/delete", post(pages::orgs::delete))
        .route("/audit", get(pages::audit::list))
        .route("/keys", get(pages::keys::list).post(pages::keys::add))
        .route("/keys/{id}/revoke", post(pages::keys::revoke))
        .route("/sessions", get(pages::keys::sessions))
        .route("/sessions/{id}/end", post(pages::keys::end_session))
        .route(
            "/groups",
            get(pages::groups::groups).post(pages::groups::add_group),
        )
        .route("/groups/{id}", get(pages::groups::group))
        .route("/groups/{id}/members", post(pages::groups::add_member))
        .route(
            "/groups/{id}/members/{user}/remove",
            post(pages::groups::remove_member),
        )
        .route("/groups/{id}/remove", post(pages::groups::remove_group))
        .route(
            "/roles",
            get(pages::groups::roles).post(pages::groups::add_role),
        )
        .route(
            "/roles/{name}",
            get(pages::groups::role).post(pages::groups::save_role),
        )
        .route("/roles/{name}/remove", post(pages::groups::remove_role))
        .route(
            "/access",
            get(pages::access::grants).post(pages::access::propose),
        )
        .route("/access/{id}/revoke", post(pages::access::revoke))
        .route("/msp-access", get(pages::access::msp_access))
        .route(
            "/policies",
            get(pages::policies::list).post(pages::policies::save),
        )
        .route("/policies/{name}/generate", post(pages::policies::generate))
        .route("/personal", get(pages::personal::show))
        .route("/personal/setup", post(pages::personal::set_up))
        .route("/personal/unlock", post(pages::personal::unlock))
        .route(
            "/personal/passphrase",
            post(pages::personal::change_passphrase),
        )
        .route("/personal/delete", post(pages::personal::delete_store))
        .route("/personal/lock", post(pages::personal::lock))
        .route("/personal/entries", post(pages::personal::add))
        .route(
            "/personal/entries/{id}/delete",
            post(pages::personal::delete),
        )
        .route("/approvals", get(pages::approvals::show))
        .route("/approvals/{kind}/{id}", post(pages::approvals::decide))
        .route(
            "/directory",
            get(pages::directory::show).post(pages::directory::save),
        )
        .route("/directory/test", post(pages::directory::test))
        .route("/directory/import", post(pages::directory::import))
        .route(
            "/settings/fields",
            get(pages::catalogue::fields).post(pages::catalogue::save_field),
        )
        .route("/settings/fields/types", post(pages::catalogue::save_type))
        .route(
            "/settings/fields/types/{name}/remove",
            post(pages::catalogue::remove_type),
        )
        .route(
            "/settings/fields/{applies_to}/{name}/remove",
            post(pages::catalogue::remove_field),
        )
        .route("/settings/data-keys", get(pages::catalogue::data_keys))
        .route("/settings/data-keys/rotate", post(pages::catalogue::rotate))
        .route(
            "/settings/data-keys/schedule",
            post(pages::catalogue::schedule),
        )
        .route(
            "/export/rules",
            get(pages::export::rules).post(pages::export::save_rule),
        )
        .route(
            "/export/rules/{kind}/{id}/remove",
            post(pages::export::remove_rule),
        )
        .route("/settings", get(pages::settings::show))
        .route("/settings/login", post(pages::settings::save_login))
        .route("/settings/branding", post(pages::settings::save_branding))
        .route("/settings/mail", post(pages::settings::save_mail))
        .route("/settings/proxy", post(pages::settings::save_proxy))
        .route("/settings/msp-staff", post(pages::settings::save_msp_staff))
        .route("/settings/sharing", post(pages::settings::save_sharing))
        .route("/settings/mail-log", get(pages::mail_log::show))
        .route(
            "/settings/ticketing",
            get(pages::ticketing::show).post(pages::ticketing::save),
        )
        .route(
            "/settings/ticketing/check",
            post(pages::ticketing::try_ticket),
        )
        .route(
            "/imports",
            get(pages::imports::list).post(pages::imports::start).layer(
                axum::extract::DefaultBodyLimit::max(pages::imports::MAX_FILE_BYTES + 64 * 1024),
            ),
        )
        .route("/imports/{id}", get(pages::imports::show))
        .route(
            "/export",
            get(pages::export::page).post(pages::export::export),
        )
        .layer(axum::middleware::from_fn(page_headers))
        .route("/static/{name}", get(pages::assets::serve))
        .with_state(console);
    Router::new()
        .merge(pages)
        .fallback(move |request: Request| api_or_not_found(api.clone(), request))
        .layer(axum::middleware::from_fn(keep_cookies))
        .layer(axum::middleware::from_fn(
            crate::routes::request::refuse_nul,
        ))
}

/// The API answers its own paths (a JSON 404 among them); `/<org>` without its slash is
/// the org's console; any other path is the console's not-found page.
async fn api_or_not_found(api: Router, request: Request) -> Response {
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") || path == "/healthz" || path == "/readyz" {
        use tower::ServiceExt as _;
        return match api.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
    }
    let org = path.strip_prefix('/').unwrap_or_default();
    if strongroom_core::paths::is_slug_shaped(org) && !strongroom_core::paths::is_reserved(org) {
        return Redirect::permanent(&format!("/{org}/")).into_response();
    }
    with_page_headers(PageError::NotFound.into_response())
}

/// Gives each request a jar for the cookies its page sets, and puts them on the response.
async fn keep_cookies(mut request: Request, next: Next) -> Response {
    let jar = CookieJar::default();
    request.extensions_mut().insert(jar.clone());
    let mut response = next.run(request).await;
    for cookie in jar.take() {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The policy every page is served with: scripts, styles and forms of this origin only,
/// no inline script or style, never in a frame, never cached (pages may show a password),
/// no referrer to other sites (the same origin gets one: form posts then name their
/// origin, which the CSRF check compares).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: https:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

async fn page_headers(request: Request, next: Next) -> Response {
    with_page_headers(next.run(request).await)
}

fn with_page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        CONTENT_SECURITY_POLICY,
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::CACHE_CONTROL, "no-store");
    response
}
