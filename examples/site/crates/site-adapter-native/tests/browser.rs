//! The site in a real, headless Chromium against the native server: a page on another
//! loopback origin calls /api/hello (with a real preflight) and can read the answer only when
//! its origin is in the config; a login and logout round trip through the page's forms.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

use edgezero_adapter_native::{Background, ServerConfig};
use edgezero_core::App as _;
use edgezero_test_support::browser::{Browser, BrowserError, Locator};
use site_core::App;

const PASSWORD: &str = "correct horse battery";

/// The site on a free loopback port over a temporary SQLite file; stopped on drop.
struct Site {
    server: Background,
    _dir: tempfile::TempDir,
}

impl Site {
    fn start(allowed_origin: &str) -> Site {
        // The secrets, natively: SPIN_VARIABLE_<NAME>.
        std::env::set_var("SPIN_VARIABLE_SITE_PASSWORD", PASSWORD);
        std::env::set_var(
            "SPIN_VARIABLE_SESSION_KEY",
            "a browser-test session key of more than 32 bytes",
        );
        let dir = tempfile::tempdir().unwrap();
        let kv_path = dir.path().join("kv.db");
        seed(&kv_path, "cors.allowed_origins", allowed_origin);
        seed(&kv_path, "rate.per_minute", "1000");
        let mut config = ServerConfig::from_env(&|_| None).unwrap();
        config.addr = "127.0.0.1:0".parse().unwrap();
        config.kv_path = kv_path;
        config.workers = 1;
        let server = Background::start(App::router().build(), App::stores(), config).unwrap();
        Site { server, _dir: dir }
    }

    fn url(&self, path: &str) -> String {
        self.server.url(path)
    }
}

/// A config entry of `app_config`, as `edgezero config push --local` writes it.
fn seed(kv_path: &Path, key: &str, value: &str) {
    let conn = edgezero_spin_sqlite::open(kv_path).unwrap();
    edgezero_spin_sqlite::set(&conn, "app_config", key, value.as_bytes()).unwrap();
}

/// Serves one page, on every request, from a thread: the "other site". Its script calls the
/// URL in its `api` query parameter with `content-type: application/json`, which makes the
/// browser send a preflight, and puts the outcome in the page's title.
fn other_site() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let page = "<!doctype html><title>waiting</title><script>\
         const api = new URLSearchParams(location.search).get('api');\
         fetch(api, { headers: { 'content-type': 'application/json' } })\
           .then(r => r.json())\
           .then(j => { document.title = 'read: ' + j.message; })\
           .catch(e => { document.title = 'blocked'; });\
         </script>";
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let resp = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = stream.write_all(resp.as_bytes());
        }
    });
    port
}

/// The title the other site's page ends with, opened at `origin`.
async fn cross_origin_call(
    browser: &Browser,
    origin: &str,
    api: &str,
) -> Result<String, BrowserError> {
    browser.goto(&format!("{origin}/?api={api}")).await?;
    browser
        .wait_until(
            "document.title !== 'waiting'",
            "the cross-origin call to end",
        )
        .await?;
    Ok(browser.title().await?)
}

async fn status_text(browser: &Browser, expected: &str) -> Result<(), BrowserError> {
    browser
        .wait_until(
            &format!("document.getElementById('status').textContent === {expected:?}"),
            expected,
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_allowed_origin_reads_the_api_and_a_login_round_trip_works(
) -> Result<(), BrowserError> {
    let port = other_site();
    // Allowed: the page as http://127.0.0.1:<port>. The same page as http://localhost:<port>
    // is another origin, not in the list.
    let site = Site::start(&format!("http://127.0.0.1:{port}"));
    let api = site.url("/api/hello");
    let browser = Browser::start().await?;

    let allowed = cross_origin_call(&browser, &format!("http://127.0.0.1:{port}"), &api).await?;
    assert_eq!(allowed, "read: hello from the edge");
    let refused = cross_origin_call(&browser, &format!("http://localhost:{port}"), &api).await?;
    assert_eq!(refused, "blocked");

    // Log in and out through the page's forms.
    browser.goto(&site.url("/")).await?;
    status_text(&browser, "Not logged in").await?;
    browser
        .type_into("#login input[name=user]", "alice")
        .await?;
    browser
        .type_into("#login input[name=password]", PASSWORD)
        .await?;
    browser.click("#login button[type=submit]").await?;
    browser
        .wait_until("location.pathname === '/me'", "the redirect to /me")
        .await?;
    let me = browser.find(Locator::Css("body")).await?.text().await?;
    assert!(me.contains("\"user\":\"alice\""), "{me}");
    browser.goto(&site.url("/")).await?;
    status_text(&browser, "Logged in as alice").await?;
    browser.save_screenshot("site-logged-in").await?;
    browser.click("#logout button[type=submit]").await?;
    browser
        .wait_until("location.pathname === '/'", "the redirect home")
        .await?;
    status_text(&browser, "Not logged in").await?;
    Ok(())
}
