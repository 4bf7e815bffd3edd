//! The web page at `/`: a single page (React and react-jsonschema-form, built from `web/`
//! with esbuild into `web/dist/`, committed) embedded in the binary, so that running it
//! needs no Node.js. `SYNCAUT_WEB_DIR` serves the page from a folder instead, for working
//! on it without rebuilding the binary. The page's form validator (Ajv, inside
//! react-jsonschema-form) compiles schemas to functions, hence `'unsafe-eval'` in the
//! content security policy; nothing else is allowed from anywhere but the server itself.

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::App;

/// One file of the page.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        bytes: include_bytes!("../web/dist/index.html"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../web/dist/app.js"),
    },
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../web/dist/app.css"),
    },
];

/// The setting that serves the page from a folder (for working on the page).
pub(crate) const WEB_DIR_ENV: &str = "SYNCAUT_WEB_DIR";

/// A strong validator of embedded bytes (they change only with the binary).
fn etag(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("\"{:016x}-{}\"", hasher.finish(), bytes.len())
}

fn serve_asset(name: &str, request: &HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (body, tag) = match std::env::var_os(WEB_DIR_ENV) {
        Some(dir) => match std::fs::read(std::path::Path::new(&dir).join(asset.name)) {
            Ok(bytes) => (axum::body::Body::from(bytes), None),
            Err(_) => return StatusCode::NOT_FOUND.into_response(),
        },
        None => (axum::body::Body::from(asset.bytes), Some(etag(asset.bytes))),
    };
    let unchanged = tag.as_ref().is_some_and(|tag| {
        request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|given| given.split(',').any(|t| t.trim() == tag))
    });
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    // Revalidated on every load; unchanged assets answer 304 without a body.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(tag) = tag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        headers.insert(header::ETAG, tag);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
        ),
    );
    response
}

/// The page's routes: `/` and its two assets.
pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route(
            "/",
            get(|headers: HeaderMap| async move { serve_asset("index.html", &headers) }),
        )
        .route(
            "/assets/app.js",
            get(|headers: HeaderMap| async move { serve_asset("app.js", &headers) }),
        )
        .route(
            "/assets/app.css",
            get(|headers: HeaderMap| async move { serve_asset("app.css", &headers) }),
        )
}
