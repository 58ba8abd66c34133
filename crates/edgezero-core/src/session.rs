//! Sessions kept in a key-value store, identified by a signed cookie.
//!
//! The [`Sessions`] middleware reads the session of a request before the handler runs and
//! saves it after, when the handler changed it; handlers take the [`Session`] extractor.
//!
//! ```
//! use edgezero_core::extract::Form;
//! use edgezero_core::http::StatusCode;
//! use edgezero_core::session::{Session, Sessions};
//! use edgezero_core::{EdgeError, IntoResponse, Redirect, Router};
//!
//! #[derive(serde::Deserialize)]
//! struct Login { user: String, password: String }
//!
//! async fn login(session: Session, Form(login): Form<Login>) -> Result<Redirect, EdgeError> {
//!     if login.password != "correct horse" { // check it against a secret in a real app
//!         return Err(EdgeError::new(StatusCode::UNAUTHORIZED, "unauthorized", "wrong password"));
//!     }
//!     session.regenerate(); // a new id at login: a planted id is worth nothing
//!     session.insert("user", &login.user)?;
//!     Ok(Redirect::see_other("/me")?)
//! }
//!
//! async fn me(session: Session) -> impl IntoResponse {
//!     match session.get::<String>("user") {
//!         Some(user) => (StatusCode::OK, user).into_response(),
//!         None => StatusCode::UNAUTHORIZED.into_response(),
//!     }
//! }
//!
//! let router = Router::new()
//!     .post("/login", login)
//!     .get("/me", me)
//!     .post("/logout", |session: Session| async move { session.destroy(); "bye" })
//!     .layer(Sessions::new("session_key")); // the secret that signs the cookie
//! # let _ = router;
//! ```
//!
//! How a session is kept:
//!
//! - **Id**: 32 random hex digits in the cookie `session` (`HttpOnly`, `SameSite=Lax`,
//!   `Path=/`, `Secure` over HTTPS), signed with HMAC-SHA256 ([`crate::cookie::CookieKey`],
//!   the key from a secret of at least 32 bytes). A cookie whose signature fails, or whose
//!   session is gone or expired, counts as no session.
//! - **Data**: a JSON object under `session:<id>` in the KV store (the default one, or
//!   [`Sessions::store`]), with its expiry time. A store with TTLs drops it at expiry;
//!   every store has the expiry checked on read, so an expired session is never used.
//! - **Saving**: only when the handler changed something; an unchanged session costs one
//!   read per request. [`Session::regenerate`] moves the data to a new id (do it at login),
//!   [`Session::destroy`] deletes it and the cookie (logout). A session that cannot be saved
//!   answers the store's error instead of the handler's response, so a login never looks
//!   done when it is not.
//! - **CSRF**: [`Session::csrf_token`] gives a token to put in forms, and
//!   [`Session::verify_csrf`] checks one in constant time.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::context::RequestContext;
use crate::cookie::{CookieKey, SetCookie};
use crate::error::EdgeError;
use crate::extract::{Cookies, FromRequestParts};
use crate::middleware::{Middleware, Next};
use crate::response::{IntoResponse, Response, ResponseHeaders};
use crate::store::kv::KvHandle;
use crate::store::validate::MIN_TTL;
use crate::timer;

const CSRF_KEY: &str = "_csrf";

/// Sessions for the routes it wraps; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Sessions {
    key_secret: String,
    store: Option<String>,
    cookie: String,
    prefix: String,
    ttl: Duration,
    secure: Option<bool>,
}

impl Sessions {
    /// Sessions whose cookie is signed with the secret `key_secret` (at least 32 bytes),
    /// kept in the default KV store for a day.
    pub fn new(key_secret: impl Into<String>) -> Self {
        Sessions {
            key_secret: key_secret.into(),
            store: None,
            cookie: "session".into(),
            prefix: "session:".into(),
            ttl: Duration::from_secs(24 * 60 * 60),
            secure: None,
        }
    }

    /// Keeps sessions in the KV store `id`.
    pub fn store(mut self, id: impl Into<String>) -> Self {
        self.store = Some(id.into());
        self
    }

    /// The cookie's name (`session` by default).
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie = name.into();
        self
    }

    /// The prefix of the sessions' keys (`session:` by default).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a session lives after its last change (a day by default; at least a
    /// minute, the shortest TTL stores take).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.max(MIN_TTL);
        self
    }

    /// Whether the cookie is `Secure`; by default, when the request came over HTTPS
    /// ([`RequestContext::is_https`]).
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = Some(secure);
        self
    }

    async fn kv(&self, ctx: &RequestContext) -> Result<KvHandle, EdgeError> {
        let stores = ctx.stores();
        Ok(match &self.store {
            Some(id) => stores.kv(id).await?,
            None => stores.default_kv().await?,
        })
    }

    /// The request's session: loaded when its cookie is signed and it is live, else empty.
    async fn load(
        &self,
        kv: &KvHandle,
        key: &CookieKey,
        cookies: &Cookies,
    ) -> Result<State, EdgeError> {
        let Some(id) = key.verify(cookies, &self.cookie).filter(|id| valid_id(id)) else {
            return Ok(State::default());
        };
        let stored: Option<Stored> = kv.get_json(&format!("{}{id}", self.prefix)).await?;
        let now = unix_secs();
        match stored {
            Some(stored) if stored.expires > now => Ok(State {
                id: Some(id),
                data: stored.data,
                ..State::default()
            }),
            _ => Ok(State::default()),
        }
    }

    /// Saves what the handler changed; the cookie to send, if any.
    async fn save(
        &self,
        kv: &KvHandle,
        key: &CookieKey,
        state: State,
        secure: bool,
    ) -> Result<Option<SetCookie>, EdgeError> {
        let cookie = |value: String| {
            SetCookie::new(self.cookie.clone(), value)
                .secure(secure)
                .max_age(self.ttl)
        };
        if state.destroyed {
            if let Some(id) = &state.id {
                kv.delete(&format!("{}{id}", self.prefix)).await?;
            }
            return Ok(state
                .id
                .map(|_| SetCookie::removal(self.cookie.clone()).secure(secure)));
        }
        let new_id = state.regenerate || (state.dirty && state.id.is_none());
        if !state.dirty && !new_id {
            return Ok(None);
        }
        let id = match (&state.id, new_id) {
            (Some(id), false) => id.clone(),
            _ => new_session_id()?,
        };
        let stored = Stored {
            data: state.data,
            expires: unix_secs() + self.ttl.as_secs(),
        };
        let at = format!("{}{id}", self.prefix);
        if kv.supports_ttl() {
            kv.put_json_with_ttl(&at, &stored, self.ttl).await?;
        } else {
            kv.put_json(&at, &stored).await?;
        }
        if new_id {
            if let Some(old) = &state.id {
                kv.delete(&format!("{}{old}", self.prefix)).await?;
            }
        }
        // The cookie is sent again on every change, so its Max-Age follows the session's.
        Ok(Some(key.sign(cookie(id))))
    }
}

impl Middleware for Sessions {
    fn call(&self, mut ctx: RequestContext, next: Next) -> LocalBoxFuture<'static, Response> {
        let sessions = self.clone();
        Box::pin(async move {
            let prepared = async {
                let secrets = ctx.stores().default_secrets().await?;
                let key = CookieKey::from_secret(&secrets, &sessions.key_secret).await?;
                let kv = sessions.kv(&ctx).await?;
                let state = sessions
                    .load(&kv, &key, &Cookies::from_headers(ctx.headers()))
                    .await?;
                Ok::<_, EdgeError>((key, kv, state))
            };
            let (key, kv, state) = match prepared.await {
                Ok(prepared) => prepared,
                Err(e) => return e.into_response(),
            };
            let secure = sessions.secure.unwrap_or_else(|| ctx.is_https());
            let session = Session(Arc::new(Mutex::new(state)));
            ctx.extensions_mut().insert(session.clone());
            let mut resp = next.run(ctx).await;
            let state = std::mem::take(&mut *session.lock());
            match sessions.save(&kv, &key, state, secure).await {
                Ok(Some(cookie)) => match cookie.into_headers() {
                    Ok(headers) => {
                        for (name, value) in &headers {
                            resp.headers_mut().append(name.clone(), value.clone());
                        }
                        resp
                    }
                    Err(e) => e.into_response(),
                },
                Ok(None) => resp,
                Err(e) => {
                    log::error!("a session could not be saved: {e}");
                    e.into_response()
                }
            }
        })
    }
}

#[derive(Serialize, Deserialize)]
struct Stored {
    data: Map<String, Value>,
    /// Unix seconds.
    expires: u64,
}

#[derive(Debug, Default)]
struct State {
    id: Option<String>,
    data: Map<String, Value>,
    dirty: bool,
    regenerate: bool,
    destroyed: bool,
}

/// The session of the request; see the [module docs](self). Cloning it gives the same
/// session. As an extractor it answers `500` when the [`Sessions`] middleware is not in
/// the route's chain.
#[derive(Debug, Clone)]
pub struct Session(Arc<Mutex<State>>);

impl Session {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The value under `key`, when there is one of type `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let state = self.lock();
        serde_json::from_value(state.data.get(key)?.clone()).ok()
    }

    /// Stores `value` under `key` (saved after the handler).
    pub fn insert<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), EdgeError> {
        let value = serde_json::to_value(value)?;
        let mut state = self.lock();
        state.data.insert(key.to_owned(), value);
        state.dirty = true;
        Ok(())
    }

    /// Removes `key`, returning whether it was there.
    pub fn remove(&self, key: &str) -> bool {
        let mut state = self.lock();
        let removed = state.data.remove(key).is_some();
        state.dirty |= removed;
        removed
    }

    /// Whether the request came with a live session.
    pub fn exists(&self) -> bool {
        self.lock().id.is_some()
    }

    /// Gives the session a new id when it is saved, deleting the old one: call it when the
    /// user logs in, so an id an attacker planted before is worth nothing after.
    pub fn regenerate(&self) {
        let mut state = self.lock();
        state.regenerate = true;
        state.dirty = true;
    }

    /// Ends the session: its data is deleted and the browser told to drop the cookie.
    pub fn destroy(&self) {
        let mut state = self.lock();
        state.destroyed = true;
        state.data.clear();
    }

    /// The session's CSRF token (32 hex digits), made on first use. Put it in a hidden form
    /// field or a header, and check it with [`Session::verify_csrf`] on writes.
    pub fn csrf_token(&self) -> Result<String, EdgeError> {
        if let Some(token) = self.get::<String>(CSRF_KEY) {
            return Ok(token);
        }
        let token = new_session_id()?;
        let mut state = self.lock();
        state
            .data
            .insert(CSRF_KEY.into(), Value::String(token.clone()));
        state.dirty = true;
        Ok(token)
    }

    /// Whether `token` is this session's CSRF token (compared in constant time); false
    /// when the session has none.
    pub fn verify_csrf(&self, token: &str) -> bool {
        match self.get::<String>(CSRF_KEY) {
            Some(expected) => {
                crate::middleware::constant_time_eq(token.as_bytes(), expected.as_bytes())
            }
            None => false,
        }
    }
}

impl FromRequestParts for Session {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        ctx.extensions().get::<Session>().cloned().ok_or_else(|| {
            EdgeError::internal("no session: add the Sessions middleware to this route's router")
        })
    }
}

fn valid_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// 128 random bits, or a `500` when the platform's random source fails (an id that could
/// be guessed would be worse than no session).
fn new_session_id() -> Result<String, EdgeError> {
    crate::middleware::random_hex()
        .ok_or_else(|| EdgeError::internal("the platform's random source failed"))
}

fn unix_secs() -> u64 {
    timer::unix_time().unwrap_or_else(timer::now).as_secs()
}
