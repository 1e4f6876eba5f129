//! The agent desk: the built single-page app (`scripts/build-web` writes it to `web-ui/dist`),
//! served from `--web-dir` on every GET path the API does not own.
//!
//! - A path naming a file serves it (`.wasm` as `application/wasm`; a `.gz` sibling written by
//!   the build is sent instead when the client accepts gzip).
//! - Any other path (`/`, `/login`, `/invite/TOKEN`, `/conversations/ID`, ...) serves
//!   `index.html`: the app routes in the browser. A missing asset (`/x.js`, `/favicon.ico`)
//!   stays a 404, so a broken build fails loudly instead of loading HTML as a script.
//! - `/v1/...`, `/healthz` and non-GET requests never reach the desk: they answer the API's
//!   JSON 404 as before (`crate::http::web::fallback` decides which requests come here).
//! - Every desk response carries a strict Content-Security-Policy, `nosniff`, and
//!   `Cache-Control: no-cache` (the file names carry no hash, so the browser revalidates with
//!   `If-Modified-Since` and gets a cheap 304 while nothing changed).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};
use tower_http::services::ServeDir;

/// What the desk may load: its own scripts and WASM (compiling WASM needs
/// `'wasm-unsafe-eval'`), REST and WebSocket calls to this origin, inline styles; no inline
/// scripts, no other origins, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ws: wss:; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'self'; \
     frame-ancestors 'none'";

/// The widget's page: the desk's policy, except that the tenant's allowed origins may frame it
/// (`{ANCESTORS}`) and images may come from `blob:` (attachments the widget downloaded).
const WIDGET_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ws: wss:; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; base-uri 'self'; \
     frame-ancestors {ANCESTORS}";

/// The widget's page in the build (`web-ui/widget.html`).
const WIDGET_PAGE: &str = "/widget.html";

/// Where `scripts/build-web` puts the desk, relative to the repository root.
pub const DEFAULT_DIR: &str = "web-ui/dist";

/// The web dir used when none is configured: [`DEFAULT_DIR`] under the current directory, if a
/// desk has been built there.
pub fn default_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(DEFAULT_DIR);
    dir.join("index.html").is_file().then_some(dir)
}

/// Extensions of the build's static assets: a missing one is a 404, never `index.html`.
const ASSET_EXTENSIONS: &[&str] = &[
    "js", "mjs", "wasm", "css", "map", "json", "txt", "ico", "png", "jpg", "jpeg", "gif", "svg",
    "webp", "avif", "woff", "woff2", "ttf", "otf", "gz", "br", "html",
];

/// A configured web dir that holds no built desk: a mistake to report before serving.
#[derive(Debug, thiserror::Error)]
#[error(
    "the web dir {} has no index.html: build the desk with scripts/build-web, \
     or leave --web-dir unset to serve the API only",
    dir.display()
)]
pub struct NoDesk {
    pub dir: PathBuf,
}

/// The built desk being served.
#[derive(Clone, Debug)]
pub struct WebDesk {
    dir: PathBuf,
    files: ServeDir,
}

impl WebDesk {
    /// Checks that `dir` holds a built desk (an `index.html`).
    pub fn open(dir: &Path) -> Result<Self, NoDesk> {
        if !dir.join("index.html").is_file() {
            return Err(NoDesk {
                dir: dir.to_owned(),
            });
        }
        Ok(WebDesk {
            dir: dir.to_owned(),
            files: ServeDir::new(dir).precompressed_gzip(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A page or asset of the desk; the app's own routes get `index.html`.
    pub async fn serve(&self, request: Request) -> Response {
        let path = request.uri().path().to_owned();
        let headers = request.headers().clone();
        let method = request.method().clone();
        let mut response = self.file(request).await;
        if response.status() == StatusCode::NOT_FOUND && is_app_route(&path) {
            // The app's own routes: the browser gets the page and routes itself.
            let mut index = Request::new(Body::empty());
            *index.method_mut() = method;
            *index.uri_mut() = axum::http::Uri::from_static("/index.html");
            *index.headers_mut() = headers;
            response = self.file(index).await;
        }
        with_page_headers(response, HeaderValue::from_static(CONTENT_SECURITY_POLICY))
    }

    /// The widget's page, framable by `ancestors` (a CSP source list).
    pub async fn widget_frame(&self, request: Request, ancestors: &str) -> Response {
        let policy = WIDGET_CONTENT_SECURITY_POLICY.replace("{ANCESTORS}", ancestors);
        let Ok(policy) = HeaderValue::from_str(&policy) else {
            tracing::error!(%ancestors, "stored widget origins make no valid CSP header");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let (mut parts, body) = request.into_parts();
        parts.uri = axum::http::Uri::from_static(WIDGET_PAGE);
        let response = self.file(Request::from_parts(parts, body)).await;
        with_page_headers(response, policy)
    }

    async fn file(&self, request: Request) -> Response {
        let mut files = self.files.clone();
        match files.try_call(request).await {
            Ok(response) => response.map(Body::new),
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::NotFound
                        | std::io::ErrorKind::PermissionDenied
                        | std::io::ErrorKind::NotADirectory
                ) =>
            {
                StatusCode::NOT_FOUND.into_response()
            }
            Err(err) => {
                tracing::error!(error = %err, dir = %self.dir.display(), "serving the desk");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

/// Every page and asset: its policy, `nosniff`, and revalidation (the file names carry no hash).
fn with_page_headers(mut response: Response, policy: HeaderValue) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Whether a path without a file is one of the app's routes (no asset extension).
fn is_app_route(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    match last.rsplit_once('.') {
        Some((_, extension)) => {
            !ASSET_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str())
        }
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::is_app_route;

    #[test]
    fn app_routes_fall_back_to_the_page_and_assets_do_not() {
        for path in [
            "/",
            "/login",
            "/invite/abc-_DEF",
            "/conversations/0193",
            "/a.b/c",
        ] {
            assert!(is_app_route(path), "{path}");
        }
        for path in [
            "/favicon.ico",
            "/switchboard_web_ui.js",
            "/x/y.WASM",
            "/index.html",
        ] {
            assert!(!is_app_route(path), "{path}");
        }
    }
}
