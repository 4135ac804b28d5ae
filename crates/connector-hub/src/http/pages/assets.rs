//! The stylesheet and scripts the pages load (`connect-page.js` on the connect pages, which
//! posts their events), the script a host page loads to embed the connect page
//! (`connect.js`), and the page for an unknown address.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::render::message;

pub async fn stylesheet() -> Response {
    static_file(
        "text/css; charset=utf-8",
        include_str!("../../../static/hub.css"),
    )
}

pub async fn script() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../../../static/hub.js"),
    )
}

pub async fn connect_page_script() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../../../static/connect-page.js"),
    )
}

/// The script a host application's page loads to open the connect page in a modal or a popup.
pub async fn embed_script() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../../../static/connect.js"),
    )
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

pub async fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "error",
        "Page not found",
        "There is no page at this address.",
        None,
    )
}
