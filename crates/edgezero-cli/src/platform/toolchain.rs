//! Finding a compiler for the WebAssembly targets: `wasm32-wasip2` (Spin components),
//! `wasm32-unknown-unknown` (Cloudflare Workers) and `wasm32-wasip1` (Fastly Compute).
//!
//! Preferred: rustup's target (`rustup target add <target>`). Fallback on Debian 12 without
//! it: Debian's `rustc-web`/`cargo-web` 1.96 rebuild `std` from `rust-web-src`
//! (`-Zbuild-std`), linking with `lld-19`'s `wasm-ld` (plus `wasi-libc` for the WASI targets,
//! and `wasm-component-ld` from crates.io for `wasm32-wasip2`). The fallback's variables are set on the build
//! command only, never in this process.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use edgezero_manifest::Manifest;

use crate::process;

/// A WebAssembly target the CLI builds for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `wasm32-wasip2`: Spin components.
    Wasip2,
    /// `wasm32-unknown-unknown`: Cloudflare Workers (then `wasm-bindgen`).
    Unknown,
    /// `wasm32-wasip1`: Fastly Compute (a core module, run by Viceroy locally).
    Wasip1,
}

impl Target {
    /// The target triple.
    pub fn triple(self) -> &'static str {
        match self {
            Target::Wasip2 => "wasm32-wasip2",
            Target::Unknown => "wasm32-unknown-unknown",
            Target::Wasip1 => "wasm32-wasip1",
        }
    }
}

const LLVM_BIN: &str = "/usr/lib/llvm-19/bin";
const WASI_LIBC: &str = "/usr/lib/wasm32-wasi";
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const DEBIAN_CARGO: &str = "/usr/bin/cargo";

/// How components get built on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Toolchain {
    /// rustup with the `wasm32-wasip2` target installed.
    Rustup,
    /// Debian's compiler with `-Zbuild-std`.
    Debian {
        /// Directory holding `wasm-component-ld`.
        component_ld_dir: PathBuf,
    },
}

fn rustup_has_target(target: Target) -> bool {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == target.triple())
        })
}

pub fn find_tool(name: &str) -> Option<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(cargo_home.map(|h| h.join("bin")));
    dirs.into_iter().find(|d| d.join(name).is_file())
}

fn debian_sysroot_has_std() -> bool {
    Command::new(DEBIAN_RUSTC)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| {
            PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())
                .join("lib/rustlib/src/rust/library")
        })
        .is_some_and(|p| p.is_dir())
}

/// Detects the toolchain for `target`, or explains exactly what to install.
pub fn detect(target: Target) -> Result<Toolchain> {
    if rustup_has_target(target) {
        return Ok(Toolchain::Rustup);
    }
    let mut missing = Vec::new();
    if !Path::new(DEBIAN_CARGO).is_file() || !debian_sysroot_has_std() {
        missing.push("Debian packages rustc-web cargo-web rust-web-src");
    }
    if !Path::new(LLVM_BIN).join("wasm-ld").is_file() {
        missing.push("Debian package lld-19");
    }
    let component_ld = match target {
        Target::Unknown => Some(PathBuf::new()),
        Target::Wasip1 => {
            if !Path::new(WASI_LIBC).join("libc.a").is_file() {
                missing.push("Debian package wasi-libc");
            }
            Some(PathBuf::new())
        }
        Target::Wasip2 => {
            if !Path::new(WASI_LIBC).join("libc.a").is_file() {
                missing.push("Debian package wasi-libc");
            }
            find_tool("wasm-component-ld")
        }
    };
    if component_ld.is_none() {
        missing.push("wasm-component-ld (cargo install wasm-component-ld --locked)");
    }
    match component_ld {
        Some(dir) if missing.is_empty() => Ok(Toolchain::Debian { component_ld_dir: dir }),
        _ => bail!(
            "cannot build for {triple}: the Rust target is not installed.\n\
             fix: rustup target add {triple}\n\
             (offline Debian 12 alternative: install {}; scripts/wasm-toolchain.sh in the EdgeZero repository does this)",
            missing.join(", "),
            triple = target.triple()
        ),
    }
}

/// `cargo build --target <target> --release` for the crate in `crate_dir`.
pub fn build_command(toolchain: &Toolchain, target: Target, crate_dir: &Path) -> Command {
    match toolchain {
        Toolchain::Rustup => {
            let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
            cmd.args(["build", "--target", target.triple(), "--release"])
                .current_dir(crate_dir);
            cmd
        }
        Toolchain::Debian { component_ld_dir } => {
            let mut cmd = Command::new(DEBIAN_CARGO);
            let path = std::env::var_os("PATH").unwrap_or_default();
            let mut dirs = vec![PathBuf::from(LLVM_BIN)];
            if !component_ld_dir.as_os_str().is_empty() {
                dirs.push(component_ld_dir.clone());
            }
            dirs.extend(std::env::split_paths(&path));
            cmd.args(["build", "--target", target.triple(), "--release"])
                .current_dir(crate_dir)
                .env("PATH", std::env::join_paths(dirs).unwrap_or(path))
                .env("RUSTC", DEBIAN_RUSTC)
                .env("RUSTC_BOOTSTRAP", "1")
                .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort");
            match target {
                Target::Wasip2 => cmd.env("RUSTFLAGS", format!("-L native={WASI_LIBC}")),
                // Debian's compiler has no rust-lld: link with LLVM's wasm-ld.
                Target::Unknown => cmd.env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", "wasm-ld"),
                // wasi-libc's start file and libraries, linked by LLVM's wasm-ld (Debian's
                // compiler ships no self-contained WASI objects for this target).
                Target::Wasip1 => cmd.env(
                    "RUSTFLAGS",
                    format!(
                        "-L native={WASI_LIBC} -C linker=wasm-ld -C link-self-contained=no -C link-arg={WASI_LIBC}/crt1-command.o"
                    ),
                ),
            };
            cmd.env_remove("CARGO")
                .env_remove("RUSTUP_TOOLCHAIN")
                .env_remove("RUSTC_WRAPPER");
            cmd
        }
    }
}

/// Adds `-C link-arg=<arg>` to the compiler flags of `cmd`, a `cargo build` for `target`,
/// keeping the flags it already had: to the `RUSTFLAGS` the command sets (the Debian
/// toolchain's), else to the caller's `CARGO_ENCODED_RUSTFLAGS` or `RUSTFLAGS` (Cargo reads
/// the first set one of those), else through `--config target.<triple>.rustflags`, which
/// Cargo adds to the same key of the user's config files.
pub fn add_link_arg(cmd: &mut Command, target: Target, arg: &str) {
    let flag = format!("-Clink-arg={arg}");
    let set_here = cmd
        .get_envs()
        .find(|(name, _)| *name == "RUSTFLAGS")
        .and_then(|(_, value)| value.map(|v| v.to_string_lossy().into_owned()));
    let caller = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if let Some(flags) = set_here {
        cmd.env("RUSTFLAGS", format!("{flags} {flag}"));
    } else if let Some(encoded) = caller("CARGO_ENCODED_RUSTFLAGS") {
        cmd.env("CARGO_ENCODED_RUSTFLAGS", format!("{encoded}\x1f{flag}"));
    } else if let Some(flags) = caller("RUSTFLAGS") {
        cmd.env("RUSTFLAGS", format!("{flags} {flag}"));
    } else {
        cmd.arg("--config")
            .arg(format!("target.{}.rustflags=[\"{flag}\"]", target.triple()));
    }
}

/// Runs a build command; a failure names `what` and the command.
pub fn run_build(cmd: &mut Command, what: &str) -> Result<()> {
    let status = process::run(cmd)?;
    if !status.success() {
        bail!("{what} failed ({status}): {}", process::describe(cmd));
    }
    Ok(())
}

/// The target directory of a platform's wasm builds: the variable `var` when set (several
/// apps sharing one build of `std` and the platform crates), else `<app>/<default>` (apart
/// from host builds, whose flags differ).
pub fn target_dir(manifest: &Manifest, var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => manifest.root().join(default),
    }
}

/// The `[package] name` of the crate in `crate_dir`.
pub fn package_name(crate_dir: &Path) -> Result<String> {
    let path = crate_dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let doc: toml::Value =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    doc.get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .with_context(|| format!("{} has no [package] name", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rustflags(cmd: &Command) -> String {
        cmd.get_envs()
            .find(|(name, _)| *name == "RUSTFLAGS")
            .and_then(|(_, v)| v)
            .map(|v| v.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    #[test]
    fn a_link_arg_joins_the_flags_the_command_sets() {
        let mut cmd = Command::new("cargo");
        cmd.env("RUSTFLAGS", "-L native=/x");
        add_link_arg(&mut cmd, Target::Wasip1, "--initial-heap=262144");
        assert_eq!(
            rustflags(&cmd),
            "-L native=/x -Clink-arg=--initial-heap=262144"
        );
        add_link_arg(&mut cmd, Target::Wasip1, "--z");
        assert!(rustflags(&cmd).ends_with("262144 -Clink-arg=--z"));
    }

    #[test]
    fn without_flags_a_link_arg_goes_through_cargo_config_or_the_callers_flags() {
        let mut cmd = Command::new("cargo");
        add_link_arg(&mut cmd, Target::Wasip1, "--initial-heap=1");
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let encoded = cmd
            .get_envs()
            .find(|(name, _)| *name == "CARGO_ENCODED_RUSTFLAGS")
            .and_then(|(_, v)| v)
            .map(|v| v.to_string_lossy().into_owned())
            .unwrap_or_default();
        let config = args
            == [
                "--config",
                r#"target.wasm32-wasip1.rustflags=["-Clink-arg=--initial-heap=1"]"#,
            ];
        assert!(
            config
                || encoded.ends_with("\x1f-Clink-arg=--initial-heap=1")
                || rustflags(&cmd).ends_with(" -Clink-arg=--initial-heap=1"),
            "{args:?} {encoded:?} {:?}",
            rustflags(&cmd)
        );
    }
}
