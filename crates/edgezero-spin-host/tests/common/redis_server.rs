//! A real `redis-server` on loopback for the Redis tests.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` on a free loopback port, stopped on drop.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = tempfile::tempdir().expect("temp dir");
        let child = spawn(port, dir.path());
        RedisServer {
            child: Some(child),
            port,
            dir,
        }
    }

    /// Kills the server (its data is gone: nothing is saved) and waits until the port
    /// refuses connections.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(
                Instant::now() < deadline,
                "port {} still open after stopping redis-server",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts a fresh, empty server on the same port after [`RedisServer::stop`].
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "redis-server is still running");
        self.child = Some(spawn(self.port, self.dir.path()));
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Connections the server has accepted since it started (`INFO stats`).
    pub fn connections_received(&self) -> u64 {
        let info = self.cli(&["INFO", "stats"]);
        info.lines()
            .find_map(|l| l.trim().strip_prefix("total_connections_received:"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no total_connections_received in INFO stats: {info}"))
    }

    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

/// Runs `redis-server` on `port`, without persistence, and waits until it listens.
fn spawn(port: u16, dir: &Path) -> Child {
    let child = Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args(["--save", "", "--appendonly", "no", "--protected-mode", "yes"])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start redis-server ({e}); install it with `apt-get install -y redis-server` \
                 (scripts/test.sh installs it when missing)"
            )
        });
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "redis-server did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
