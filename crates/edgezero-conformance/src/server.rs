//! Running `edgezero serve` for one session: in its own process group (so that stopping it
//! stops `cargo run` and the app too), its output in a log file, ready once its port
//! accepts connections; stopped with Ctrl-C's SIGINT, then SIGKILL if it lingers.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use crate::adapter::ServePlan;

/// Process groups of the servers running now, stopped if the runner gets Ctrl-C.
static GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// Stops every running server when the runner is interrupted, then exits with 130.
pub fn stop_all_on_ctrl_c() {
    let _ = ctrlc::set_handler(|| {
        let groups = GROUPS.lock().map(|g| g.clone()).unwrap_or_default();
        for pgid in groups {
            let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
        }
        std::process::exit(130);
    });
}

/// A free loopback address (bound, then released for the server to take).
pub fn free_addr() -> Result<SocketAddr> {
    let l = TcpListener::bind("127.0.0.1:0").context("cannot bind a loopback port")?;
    Ok(l.local_addr()?)
}

/// A running `edgezero serve`.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its standard output and error.
    pub log: PathBuf,
}

impl Server {
    /// Starts `edgezero <plan.args>` in `cwd` and waits up to `wait` until `addr` accepts
    /// connections (a first native run compiles the example).
    pub fn start(
        edgezero: &Path,
        plan: &ServePlan,
        cwd: &Path,
        addr: SocketAddr,
        log: PathBuf,
        wait: Duration,
    ) -> Result<Server> {
        let out = std::fs::File::create(&log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let mut cmd = Command::new(edgezero);
        cmd.args(&plan.args)
            .envs(plan.env.iter().map(|(k, v)| (k, v)))
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .process_group(0);
        let child = cmd.spawn().with_context(|| {
            format!(
                "cannot start {} (build it with `cargo build -p edgezero-cli`, or pass --edgezero)",
                edgezero.display()
            )
        })?;
        if let Ok(mut g) = GROUPS.lock() {
            g.push(child.id() as i32);
        }
        let mut server = Server { child, addr, log };
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err() {
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "`edgezero {}` exited with {status} before serving:\n{}",
                    describe(&plan.args),
                    server.log_tail(40)
                );
            }
            if started.elapsed() > wait {
                bail!(
                    "`edgezero {}` did not serve on {addr} within {}s:\n{}",
                    describe(&plan.args),
                    wait.as_secs(),
                    server.log_tail(40)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    /// The last `n` lines of its output.
    pub fn log_tail(&self, n: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..]
            .iter()
            .map(|l| format!("    | {l}\n"))
            .collect()
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn stop(&mut self) {
        let pgid = self.child.id() as i32;
        let group = Pid::from_raw(pgid);
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = killpg(group, Signal::SIGINT);
            let deadline = Instant::now() + Duration::from_secs(10);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        // Whatever is left of the group (the app under `cargo run`) goes too.
        let _ = killpg(group, Signal::SIGKILL);
        let _ = self.child.wait();
        if let Ok(mut g) = GROUPS.lock() {
            g.retain(|p| *p != pgid);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The arguments on one line, for messages.
pub fn describe(args: &[std::ffi::OsString]) -> String {
    args.iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
