//! `POST /login`, `GET /me`, `POST /logout`: a session per logged-in visitor.

use edgezero_core::extract::{Form, Secrets};
use edgezero_core::http::{header, HeaderMap, StatusCode};
use edgezero_core::middleware::constant_time_eq;
use edgezero_core::session::Session;
use edgezero_core::{EdgeError, Json, Redirect};
use serde::Deserialize;
use serde_json::{json, Value};

/// The secret holding the login's password.
pub const PASSWORD_SECRET: &str = "site_password";

/// The login form.
#[derive(Debug, Deserialize)]
pub struct Login {
    /// Any non-empty name.
    pub user: String,
    /// Must equal the secret `site_password`.
    pub password: String,
}

/// `POST /login`: with the right password, a new session for `user` and `303` to `/me`;
/// otherwise `401`.
pub async fn login(
    session: Session,
    headers: HeaderMap,
    Secrets(secrets): Secrets,
    Form(login): Form<Login>,
) -> Result<Redirect, EdgeError> {
    same_origin(&headers)?;
    let user = login.user.trim();
    if user.is_empty() || user.len() > 64 {
        return Err(EdgeError::bad_request("`user` must be 1 to 64 characters"));
    }
    let expected = secrets.get_bytes(PASSWORD_SECRET).await?;
    let Some(expected) = expected.filter(|p| !p.is_empty()) else {
        log::error!(
            "login refused: the secret `{PASSWORD_SECRET}` is not set; {}",
            secrets
                .how_to_set(PASSWORD_SECRET)
                .unwrap_or_else(|| format!("set the secret `{PASSWORD_SECRET}`"))
        );
        return Err(EdgeError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "logging in is not configured on this server; its log says what to set",
        ));
    };
    if !constant_time_eq(login.password.as_bytes(), &expected) {
        return Err(EdgeError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "wrong user or password",
        ));
    }
    session.regenerate();
    session.insert("user", user)?;
    Ok(Redirect::see_other("/me")?)
}

/// `GET /me`: `{"user": ...}`, or `401` without a session.
pub async fn me(session: Session) -> Result<Json<Value>, EdgeError> {
    match session.get::<String>("user") {
        Some(user) => Ok(Json(json!({ "user": user }))),
        None => Err(EdgeError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "not logged in: POST /login first",
        )),
    }
}

/// `POST /logout`: ends the session, `303` to `/`.
pub async fn logout(session: Session, headers: HeaderMap) -> Result<Redirect, EdgeError> {
    same_origin(&headers)?;
    session.destroy();
    Ok(Redirect::see_other("/")?)
}

/// A form another site's page posts carries that site's `Origin`: refused, so no page can
/// log a visitor in (into an account of its choosing) or out. Requests without `Origin`
/// (not from a browser's cross-site form) pass.
fn same_origin(headers: &HeaderMap) -> Result<(), EdgeError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin_host = origin.to_str().ok().and_then(|o| {
        o.strip_prefix("https://")
            .or_else(|| o.strip_prefix("http://"))
    });
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (origin_host, host) {
        (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
        _ => Err(EdgeError::new(
            StatusCode::FORBIDDEN,
            "cross_site",
            "a form from another site cannot log in or out here",
        )),
    }
}
