//! A headless Chromium for end-to-end tests of pages (feature `browser`).
//!
//! [`Browser::start`] runs `chromedriver` on a free loopback port and opens a WebDriver
//! session on a headless Chromium (`--headless=new --no-sandbox --disable-dev-shm-usage`).
//! The browser derefs to a [`fantoccini::Client`] for everything else. Dropping it ends the
//! session, which closes Chromium, and stops `chromedriver`.
//!
//! Both programs come from Debian's `chromium` and `chromium-driver` packages
//! (`sudo apt-get install -y chromium chromium-driver`); `CHROMEDRIVER` and `CHROME` name
//! other binaries. A missing program is an error that says how to install it, never a
//! silently skipped test.
//!
//! ```no_run
//! # async fn demo() -> Result<(), edgezero_test_support::browser::BrowserError> {
//! use edgezero_test_support::browser::{Browser, Locator};
//!
//! let browser = Browser::start().await?;
//! browser.goto("http://127.0.0.1:8787/").await?;
//! browser.wait_until("document.title !== ''", "the page to load").await?;
//! let heading = browser.find(Locator::Css("h1")).await?.text().await?;
//! let png = browser.save_screenshot("home").await?;
//! # let _ = (heading, png);
//! # Ok(())
//! # }
//! ```

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

pub use fantoccini;
pub use fantoccini::Locator;

/// How long [`Browser::wait_until`] and the start-up wait.
pub const WAIT: Duration = Duration::from_secs(15);

/// What to install when a program is missing.
const INSTALL: &str =
    "install Chromium and its driver: `sudo apt-get install -y chromium chromium-driver` \
     (or name the binaries with CHROMEDRIVER and CHROME)";

/// Why the browser could not start or a step failed; the message says what to install or
/// which step failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BrowserError(String);

impl From<fantoccini::error::CmdError> for BrowserError {
    fn from(e: fantoccini::error::CmdError) -> Self {
        BrowserError(format!("WebDriver command failed: {e}"))
    }
}

/// A headless Chromium session and the `chromedriver` that runs it.
pub struct Browser {
    client: Client,
    driver: Child,
    port: u16,
    session: Option<String>,
}

impl Browser {
    /// Starts `chromedriver` and a headless Chromium with a 1280×900 window.
    pub async fn start() -> Result<Browser, BrowserError> {
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port()?;
        let mut driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| BrowserError(format!("cannot run `{driver_bin}`: {e}; {INSTALL}")))?;
        if let Err(e) = wait_for_port(&mut driver, port) {
            let _ = driver.kill();
            let _ = driver.wait();
            return Err(e);
        }
        let mut options = json!({
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1280,900",
            ],
        });
        if let Some(chrome) = chrome_binary() {
            options["binary"] = Value::String(chrome.display().to_string());
        }
        let mut caps = Capabilities::new();
        caps.insert("goog:chromeOptions".into(), options);
        let connected = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        let client = match connected {
            Ok(c) => c,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                return Err(BrowserError(format!(
                    "chromedriver could not start Chromium: {e}; {INSTALL}"
                )));
            }
        };
        let mut browser = Browser {
            client,
            driver,
            port,
            session: None,
        };
        // The session is ended in `Drop`, synchronously, before chromedriver stops.
        browser.client.persist().await?;
        browser.session = browser.client.session_id().await?;
        Ok(browser)
    }

    /// Clicks the element the CSS selector `css` finds.
    pub async fn click(&self, css: &str) -> Result<(), BrowserError> {
        self.client.find(Locator::Css(css)).await?.click().await?;
        Ok(())
    }

    /// Replaces the text of the field the CSS selector `css` finds with `text`, as typed.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<(), BrowserError> {
        let field = self.client.find(Locator::Css(css)).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
    }

    /// Polls the JavaScript expression `condition` until it is truthy, for up to [`WAIT`].
    /// On time-out the error names `what` and quotes the page's visible text.
    pub async fn wait_until(&self, condition: &str, what: &str) -> Result<(), BrowserError> {
        let script = format!("return Boolean({condition});");
        let deadline = Instant::now() + WAIT;
        loop {
            if self.client.execute(&script, Vec::new()).await? == Value::Bool(true) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let text = self
                    .client
                    .execute(
                        "return document.body ? document.body.innerText : '';",
                        vec![],
                    )
                    .await
                    .unwrap_or_default();
                return Err(BrowserError(format!(
                    "timed out after {WAIT:?} waiting for {what} (`{condition}`); the page shows:\n{}",
                    text.as_str().unwrap_or_default()
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a PNG of the window as `<screenshot_dir()>/<name>.png` and returns its path.
    pub async fn save_screenshot(&self, name: &str) -> Result<PathBuf, BrowserError> {
        let png = self.client.screenshot().await?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| BrowserError(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)
            .map_err(|e| BrowserError(format!("cannot write {}: {e}", path.display())))?;
        Ok(path)
    }
}

impl std::ops::Deref for Browser {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(id) = &self.session {
            end_session(self.port, id);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Where screenshots go: `$EDGEZERO_SCREENSHOT_DIR`, else `browser-screenshots` in the cargo
/// target directory of the running test binary (`target/browser-screenshots`).
pub fn screenshot_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("EDGEZERO_SCREENSHOT_DIR") {
        return PathBuf::from(dir);
    }
    // A test binary runs from <target>/<profile>/deps/.
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(std::env::temp_dir)
        .join("browser-screenshots")
}

fn free_port() -> Result<u16, BrowserError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| BrowserError(format!("no free loopback port: {e}")))
}

fn wait_for_port(driver: &mut Child, port: u16) -> Result<(), BrowserError> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + WAIT;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = driver.try_wait() {
            return Err(BrowserError(format!(
                "chromedriver exited ({status}) before listening on port {port}; {INSTALL}"
            )));
        }
        if Instant::now() >= deadline {
            return Err(BrowserError(format!(
                "chromedriver did not listen on port {port} within {WAIT:?}"
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The Chromium binary: `$CHROME`, else the first of the usual names on `PATH`; `None`
/// leaves the choice to chromedriver.
fn chrome_binary() -> Option<PathBuf> {
    if let Some(chrome) = std::env::var_os("CHROME") {
        return Some(PathBuf::from(chrome));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// `DELETE /session/<id>`: Chromium quits before chromedriver answers.
fn end_session(port: u16, id: &str) {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let request = format!(
        "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    }
}
