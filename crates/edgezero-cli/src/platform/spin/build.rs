//! Building the components of a Spin app.
//!
//! The EdgeZero component is built by EdgeZero (`[adapters.spin.commands].build`, or cargo on
//! its crate with the wasm32-wasip2 toolchain found on this machine); every other component
//! as `spin build` builds it: each `[component.<id>.build]` command, in order, through the
//! shell, in `workdir` (relative to spin.toml's directory; default that directory).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use edgezero_manifest::Manifest;
use edgezero_spin_manifest::ComponentSpec;

use super::discovery::{name_component, SpinApp};
use crate::platform::toolchain::{self, Target};
use crate::platform::Platform;
use crate::process;
use crate::project::{adapter_crate_dir, adapter_section};

/// How one component gets built.
#[derive(Debug)]
pub enum Step {
    /// EdgeZero's build of the EdgeZero component.
    EdgeZero(Command),
    /// `[component.<id>.build]`: shell commands run in order in `workdir`.
    Spin {
        /// `command`, one or several.
        commands: Vec<String>,
        /// Where they run.
        workdir: PathBuf,
    },
    /// No build command: the `source` must already exist.
    Prebuilt,
}

/// What building one component did.
#[derive(Debug)]
pub struct Built {
    /// The component id.
    pub id: String,
    /// Its `source`.
    pub source: PathBuf,
    /// Whether a build command ran.
    pub ran: bool,
}

/// Whether edgezero.toml says how EdgeZero builds its component.
fn edgezero_build_configured(manifest: &Manifest) -> bool {
    manifest
        .adapter("spin")
        .is_some_and(|s| s.commands.build.is_some() || s.adapter.crate_dir.is_some())
}

/// EdgeZero's build command: `[adapters.spin.commands].build` when set, else
/// `cargo build --target wasm32-wasip2 --release` in the Spin crate, with the target
/// directory that the component's `source` in spin.toml points into.
pub fn command(manifest: &Manifest, spec: &ComponentSpec, extra: &[String]) -> Result<Command> {
    let section = adapter_section(manifest, Platform::Spin)?;
    if let Some(build) = &section.commands.build {
        let mut cmd = process::shell(&with_args(build, extra));
        cmd.current_dir(manifest.root());
        return Ok(cmd);
    }
    let crate_dir = adapter_crate_dir(manifest, Platform::Spin)?;
    let mut cmd = toolchain::build_command(
        &toolchain::detect(Target::Wasip2)?,
        Target::Wasip2,
        &crate_dir,
    );
    // Absolute: cargo runs in the crate directory, not where the manifest path starts.
    if let Some(dir) = target_dir(&std::path::absolute(&spec.source)?) {
        cmd.env("CARGO_TARGET_DIR", dir);
    }
    cmd.args(extra);
    Ok(cmd)
}

/// How `spec` is built: EdgeZero's build for the EdgeZero component when edgezero.toml
/// configures one, else its `[component.<id>.build]`, else nothing.
pub fn step(
    manifest: &Manifest,
    app: &SpinApp,
    spec: &ComponentSpec,
    extra: &[String],
) -> Result<Step> {
    let is_edgezero = app.component.as_deref() == Some(spec.id.as_str());
    if is_edgezero && edgezero_build_configured(manifest) {
        return command(manifest, spec, extra).map(Step::EdgeZero);
    }
    if is_edgezero && spec.build.is_none() {
        // Nothing says how to build it: `command` names the `crate` line to add.
        return command(manifest, spec, extra).map(Step::EdgeZero).with_context(|| {
            format!(
                "[component.{}] is the EdgeZero component and has no [component.{}.build] in {} either",
                spec.id,
                spec.id,
                app.path.display()
            )
        });
    }
    let Some(build) = &spec.build else {
        return Ok(Step::Prebuilt);
    };
    if let Some(workdir) = raw_workdir(app, &spec.id)? {
        if Path::new(&workdir).has_root() {
            bail!(
                "{}: [component.{}.build].workdir = \"{}\" must be relative to the directory of spin.toml (as `spin build` requires)",
                app.path.display(),
                spec.id,
                workdir.escape_debug()
            );
        }
    }
    Ok(Step::Spin {
        commands: build.commands.clone(),
        workdir: build.workdir.clone(),
    })
}

/// `workdir` as written in spin.toml.
fn raw_workdir(app: &SpinApp, id: &str) -> Result<Option<String>> {
    let doc = app.document()?;
    Ok(doc
        .get("component")
        .and_then(|c| c.get(id))
        .and_then(|c| c.get("build"))
        .and_then(|b| b.get("workdir"))
        .and_then(|w| w.as_str())
        .map(str::to_string))
}

/// The components to build: `ids` (each must exist), or every component; in spin.toml's order.
pub fn select<'a>(app: &'a SpinApp, ids: &[String]) -> Result<Vec<&'a ComponentSpec>> {
    for id in ids {
        app.get(id)?;
    }
    Ok(app
        .components()
        .filter(|c| ids.is_empty() || ids.contains(&c.id))
        .collect())
}

/// Builds `components`, then checks that each one's `source` exists. `extra` goes to the
/// EdgeZero build.
pub fn build(
    manifest: &Manifest,
    app: &SpinApp,
    components: &[&ComponentSpec],
    extra: &[String],
) -> Result<Vec<Built>> {
    let mut steps = Vec::new();
    for spec in components {
        steps.push((*spec, step(manifest, app, spec, extra)?));
    }
    if !extra.is_empty() && !steps.iter().any(|(_, s)| matches!(s, Step::EdgeZero(_))) {
        bail!(
            "the arguments after `--` ({}) go to the build of the EdgeZero component, which is not being built; spin.toml's build commands take no arguments",
            extra.join(" ")
        );
    }
    let mut built = Vec::new();
    for (spec, step) in steps {
        let ran = run_step(spec, step)?;
        built.push(Built {
            id: spec.id.clone(),
            source: spec.source.clone(),
            ran,
        });
    }
    let missing: Vec<String> = built
        .iter()
        .filter(|b| !b.source.is_file())
        .map(|b| missing_source(manifest, app, b))
        .collect();
    if !missing.is_empty() {
        bail!("{}", missing.join("\n\n"));
    }
    Ok(built)
}

fn run_step(spec: &ComponentSpec, step: Step) -> Result<bool> {
    match step {
        Step::EdgeZero(mut cmd) => {
            eprintln!(
                "building component {} (EdgeZero): {}",
                spec.id,
                process::describe(&cmd)
            );
            let status = process::run(&mut cmd)?;
            if !status.success() {
                bail!(
                    "the build of component {} failed ({status}): {}",
                    spec.id,
                    process::describe(&cmd)
                );
            }
            Ok(true)
        }
        Step::Spin { commands, workdir } => {
            let count = commands.len();
            for (i, line) in commands.iter().enumerate() {
                let n = if count > 1 {
                    format!(" (step {}/{count})", i + 1)
                } else {
                    String::new()
                };
                eprintln!(
                    "building component {}{n}: `{line}` in {}",
                    spec.id,
                    workdir.display()
                );
                if !workdir.is_dir() {
                    bail!(
                        "the build directory of component {} ({}) does not exist; fix [component.{}.build].workdir",
                        spec.id,
                        workdir.display(),
                        spec.id
                    );
                }
                let mut cmd = process::shell(line);
                cmd.current_dir(&workdir);
                let status = process::run(&mut cmd)?;
                if !status.success() {
                    bail!(
                        "the build command of component {} failed ({status}): `{line}` in {}",
                        spec.id,
                        workdir.display()
                    );
                }
            }
            Ok(true)
        }
        Step::Prebuilt => {
            eprintln!(
                "component {} has no [component.{}.build] command; not built",
                spec.id, spec.id
            );
            Ok(false)
        }
    }
}

fn missing_source(manifest: &Manifest, app: &SpinApp, b: &Built) -> String {
    if b.ran {
        return format!(
            "the build of component {} succeeded but {} (the `source` of [component.{}] in {}) does not exist; point `source` at the .wasm file the build writes",
            b.id,
            b.source.display(),
            b.id,
            app.path.display()
        );
    }
    let mut msg = format!(
        "component {} has no build command and its `source` {} does not exist; build it, or add\n\n[component.{}.build]\ncommand = \"<the command that writes it>\"\n\nto {}",
        b.id,
        b.source.display(),
        b.id,
        app.path.display()
    );
    if app.component.is_none() && edgezero_build_configured(manifest) {
        msg.push_str(&format!(
            "; if it is the EdgeZero app, {} so that EdgeZero builds it",
            name_component(&b.id, &manifest.path)
        ));
    }
    msg
}

/// `<dir>` of a `source` shaped `<dir>/wasm32-wasip2/release/<name>.wasm`.
pub fn target_dir(source: &Path) -> Option<PathBuf> {
    let release = source.parent()?;
    let triple = release.parent()?;
    (release.file_name()? == "release" && triple.file_name()? == Target::Wasip2.triple())
        .then(|| triple.parent().map(Path::to_path_buf))
        .flatten()
}

fn with_args(line: &str, extra: &[String]) -> String {
    let mut out = line.to_string();
    for arg in extra {
        out.push(' ');
        out.push_str(&shell_quote(arg));
    }
    out
}

fn shell_quote(arg: &str) -> String {
    if arg
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./=:".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// `edgezero build --adapter spin`: the components named (default: all), with `extra` for
/// the EdgeZero build; one summary line per component.
pub fn run(manifest: &Manifest, components: &[String], extra: &[String]) -> Result<()> {
    let app = super::load_app(manifest)?;
    let selected = select(&app, components)?;
    for line in summary(&build(manifest, &app, &selected, extra)?) {
        eprintln!("{line}");
    }
    Ok(())
}

/// Every component of `app`, as `serve` builds them.
pub fn build_all(manifest: &Manifest, app: &SpinApp) -> Result<()> {
    let components = select(app, &[])?;
    for line in summary(&build(manifest, app, &components, &[])?) {
        eprintln!("{line}");
    }
    Ok(())
}

/// One line per component, after a build.
pub fn summary(built: &[Built]) -> Vec<String> {
    let width = built.iter().map(|b| b.id.len()).max().unwrap_or(0);
    built
        .iter()
        .map(|b| {
            let what = if b.ran { "built    " } else { "prebuilt " };
            // `..` resolved when the file exists: sources often point out of spin.toml's dir.
            let path = b.source.canonicalize().unwrap_or_else(|_| b.source.clone());
            format!("{:width$}  {what}{}", b.id, path.display())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_dir_comes_from_the_source_path() {
        let src = Path::new("/p/crates/x/../../target/wasm/wasm32-wasip2/release/x.wasm");
        assert_eq!(
            target_dir(src),
            Some(PathBuf::from("/p/crates/x/../../target/wasm"))
        );
        assert_eq!(target_dir(Path::new("x.wasm")), None);
        assert_eq!(target_dir(Path::new("out/x.wasm")), None);
    }

    #[test]
    fn the_summary_has_one_aligned_line_per_component() {
        let built = [
            Built {
                id: "counter".into(),
                source: "/a/counter.wasm".into(),
                ran: true,
            },
            Built {
                id: "kv-explorer".into(),
                source: "/a/kv.wasm".into(),
                ran: false,
            },
        ];
        assert_eq!(
            summary(&built),
            [
                "counter      built    /a/counter.wasm",
                "kv-explorer  prebuilt /a/kv.wasm"
            ]
        );
    }
}
