//! Identity's REST routes: signing in and sessions, users, groups, roles, login settings, the
//! directory and API keys. Each handler forwards one call to the identity service.

mod api_keys;
mod auth;
mod directory;
mod groups;
mod import;
mod ownership;
mod passwords;
mod roles;
mod settings;
mod users;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Gateway;

pub(super) fn router() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::own_sessions))
        .routes(routes!(auth::end_session))
        .routes(routes!(users::list, users::add))
        .routes(import::routes())
        .routes(routes!(users::show, users::edit, users::remove))
        .routes(routes!(passwords::set_password))
        .routes(routes!(ownership::transfer_ownership))
        .routes(routes!(ownership::list_transfers))
        .routes(routes!(passwords::list_resets))
        .routes(routes!(passwords::approve_reset))
        .routes(routes!(passwords::reject_reset))
        .routes(routes!(ownership::approve_transfer))
        .routes(routes!(ownership::reject_transfer))
        .routes(routes!(users::unlock))
        .routes(routes!(users::groups))
        .routes(routes!(users::sessions, users::end_sessions))
        .routes(routes!(groups::list, groups::add))
        .routes(routes!(groups::rename, groups::remove))
        .routes(routes!(groups::members))
        .routes(routes!(groups::add_member, groups::remove_member))
        .routes(routes!(roles::list, roles::add))
        .routes(routes!(roles::change, roles::remove))
        .routes(routes!(settings::show_login, settings::save_login))
        .routes(routes!(directory::show, directory::save))
        .routes(routes!(directory::test))
        .routes(routes!(directory::import))
        .routes(routes!(api_keys::list, api_keys::add))
        .routes(routes!(api_keys::revoke))
}
