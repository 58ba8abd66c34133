//! Running child processes: inheriting the terminal and forwarding Ctrl-C.

use std::process::{Command, ExitStatus};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Once;

use anyhow::{Context, Result};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

static CHILD: AtomicI32 = AtomicI32::new(0);
static HANDLER: Once = Once::new();

fn install_handler() {
    HANDLER.call_once(|| {
        // The child gets Ctrl-C from the terminal itself; a signal sent only to this process
        // (e.g. by a supervisor) is passed on so the child can shut down gracefully.
        let _ = ctrlc::set_handler(|| {
            let pid = CHILD.load(Ordering::SeqCst);
            if pid > 0 {
                let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
            }
        });
    });
}

/// Runs `cmd` to completion, forwarding SIGINT/SIGTERM to it.
pub fn run(cmd: &mut Command) -> Result<ExitStatus> {
    install_handler();
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start `{program}`"))?;
    CHILD.store(child.id() as i32, Ordering::SeqCst);
    let status = child
        .wait()
        .with_context(|| format!("waiting for `{program}` failed"));
    CHILD.store(0, Ordering::SeqCst);
    status
}

/// Runs a manifest command override through the shell.
pub fn shell(command: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(command);
    cmd
}

/// Whether `program` is on `PATH`.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let p = dir.join(program);
            p.is_file()
        })
    })
}

/// A one-line rendering of a command, for messages.
pub fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program().to_string_lossy().into_owned())
        .chain(cmd.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}
