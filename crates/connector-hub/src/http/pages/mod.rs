//! The HTML pages: the connect flow a customer follows from a connect session's link, and the
//! operator's Accounts, Keys and Webhooks pages behind a sign-in with a hub key. One file per
//! resource; every form carries a CSRF token; secret values are never written into a page (a new
//! hub key or webhook secret, once, excepted).

mod accounts;
mod assets;
mod connect;
mod form;
mod guide;
mod keys;
mod render;
mod signin;
mod webhooks;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::service::Hub;

/// The HTML routes.
pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/", get(|| async { render::redirect("/accounts") }))
        .route("/signin", get(signin::signin_form).post(signin::signin))
        .route("/signout", post(signin::signout))
        .route("/accounts", get(accounts::accounts))
        .route(
            "/accounts/link",
            get(accounts::link_form).post(accounts::link_create),
        )
        .route("/accounts/{id}/relink", post(accounts::account_relink))
        .route(
            "/accounts/{id}",
            get(accounts::account_page).post(accounts::account_edit),
        )
        .route("/accounts/{id}/verify", post(accounts::account_verify))
        .route("/accounts/{id}/unlink", post(accounts::account_unlink))
        .route("/keys", get(keys::keys).post(keys::key_create))
        .route("/keys/{id}/{action}", post(keys::key_action))
        .route(
            "/webhooks",
            get(webhooks::webhooks).post(webhooks::webhook_create),
        )
        .route("/webhooks/{id}/delete", post(webhooks::webhook_delete))
        .route("/webhooks/{id}/events", post(webhooks::webhook_events))
        .route("/connect/{token}", get(connect::connect_pick))
        .route("/connect/{token}/cancel", post(connect::connect_cancel))
        .route(
            "/connect/{token}/{connector}",
            get(connect::connect_form).post(connect::connect_submit),
        )
        .route("/guides/{connector}", get(guide::guide))
        .route("/static/hub.css", get(assets::stylesheet))
        .route("/static/hub.js", get(assets::script))
        .route("/static/connect-page.js", get(assets::connect_page_script))
        .route("/static/connect.js", get(assets::embed_script))
        .fallback(assets::not_found)
}
