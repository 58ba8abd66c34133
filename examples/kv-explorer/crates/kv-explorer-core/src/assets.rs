//! The page, its script and style sheet, and the page that says how to set credentials. All
//! are compiled in: no build step, nothing fetched from elsewhere.

use edgezero_core::http::{header, HeaderValue, StatusCode, Uri};
use edgezero_core::{Body, EdgeError, Redirect, Response};

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");
const SETUP_HTML: &str = include_str!("assets/setup.html");

fn asset(status: StatusCode, content_type: &'static str, body: &'static str) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// `GET <base>`: redirects to `<base>/`, so the page's relative URLs resolve under the base.
pub async fn to_page(uri: Uri) -> Result<Redirect, EdgeError> {
    Ok(Redirect::permanent(format!("{}/", uri.path()))?)
}

/// `GET <base>/`
pub async fn page() -> Response {
    asset(StatusCode::OK, "text/html; charset=utf-8", INDEX_HTML)
}

/// `GET <base>/app.js`
pub async fn script() -> Response {
    asset(StatusCode::OK, "text/javascript; charset=utf-8", APP_JS)
}

/// `GET <base>/app.css`
pub async fn style() -> Response {
    asset(StatusCode::OK, "text/css; charset=utf-8", APP_CSS)
}

/// The `403` page shown instead of the explorer while no credentials are set.
pub fn setup_page() -> Response {
    asset(
        StatusCode::FORBIDDEN,
        "text/html; charset=utf-8",
        SETUP_HTML,
    )
}
