//! A server on a background thread, stopped when dropped: for an app's integration tests.

use std::net::SocketAddr;

use edgezero_core::store::StoreMetadata;
use edgezero_core::Router;

use crate::settings::ServerConfig;

/// An app served on its own thread until this is dropped (which stops the server and waits
/// for the thread). For tests that talk to the app over real HTTP:
///
/// ```no_run
/// use edgezero_adapter_native::{Background, ServerConfig};
/// use edgezero_core::Router;
///
/// let mut config = ServerConfig::from_env(&|_| None).unwrap();
/// config.addr = "127.0.0.1:0".parse().unwrap(); // a free port
/// let router = Router::new().get("/", || async { "hi" });
/// let server = Background::start(router, &edgezero_core::StoreMetadata::NONE, config).unwrap();
/// let url = server.url("/"); // http://127.0.0.1:<port>/
/// # let _ = url;
/// ```
pub struct Background {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Background {
    /// Binds `config.addr` (port 0 for a free one) and serves `router` from a new thread.
    pub fn start(
        router: Router,
        stores: &StoreMetadata,
        config: ServerConfig,
    ) -> std::io::Result<Background> {
        let (server, handle) = crate::server::bind(router, stores, config)?;
        let addr = server.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            server.serve(handle, async {
                let _ = stopped.await;
            })
        });
        Ok(Background {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for Background {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Background")
            .field("addr", &self.addr)
            .finish()
    }
}
