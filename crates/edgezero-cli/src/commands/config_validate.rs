//! `edgezero config validate [--strict]`: find mistakes before `spin up` or a deploy does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use edgezero_manifest::Manifest;

use edgezero_core::store::secrets::{secret_variable_name, SPIN_VARIABLE_NAME_RULE};
use edgezero_spin_manifest::ids::{store_label_problem, toml_key};
use edgezero_spin_manifest::{stanza_for, RuntimeConfig};

use super::config_validate_secrets::{self as secret_fields, SecretEntry};
use crate::config_file;
use crate::platform::spin::discovery::{name_component, SpinApp};
use crate::platform::spin::provision::{label_backed_ids, wanted_labels};
use crate::platform::spin::DEFAULT_LABEL;
use crate::project::{adapter_crate_dir, load_manifest};
use crate::Adapter;

pub const EXAMPLES: &str = "Examples:
  edgezero config validate
  edgezero config validate --strict

Checks edgezero.toml, the config entries file, and for Spin: component discovery, that
every store label is granted in spin.toml and declared in runtime-config.toml. With several
components, every component is checked (its labels need a runtime-config.toml stanza, its
allowed_outbound_hosts must parse), each message naming the component; the app's store and
secret ids belong to the EdgeZero component ([adapters.spin.adapter].component, or the one
whose `source` is the file [adapters.spin.adapter].crate builds), else to any component.
spin.toml and runtime-config.toml are checked exactly as the embedded host (and `spin up`)
check them; features only `spin up` runs are warnings.
--strict adds: at most one [stores.secrets] id when targeting Spin; every secret name,
lower-cased, is a valid Spin variable name (lower-case letters and digits, starting with a
letter, single underscores between them) and does not collide with another spelling; for
Spin, every secret named by a #[secret] field is declared in spin.toml [variables] and mapped
in the component's variables (without --strict these are warnings); no two KV/config ids
resolve to the same Spin label.
Secret names come from the #[secret] fields of the #[derive(AppConfig)] structs found in the
project's Rust sources (under the directory of edgezero.toml, following symlinks, skipping
target/ and hidden directories): each field's entry in the config file of the default config
id holds a secret name. A source that cannot be read (not UTF-8, a symlink to nothing or a
loop) could hide a #[secret] field: an error under --strict, a warning otherwise.
[stores.secrets].names lists further secrets the app reads by name.";

/// Arguments of `edgezero config validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Also apply the Spin portability rules.
    #[arg(long)]
    pub strict: bool,
    /// Spin runtime config file (default: runtime-config.toml next to spin.toml).
    #[arg(long, value_name = "FILE")]
    pub runtime_config: Option<PathBuf>,
}

/// Problems found, each with the fix in its text.
#[derive(Debug, Default)]
pub struct Report {
    /// Errors (non-zero exit).
    pub errors: Vec<String>,
    /// Warnings.
    pub warnings: Vec<String>,
}

/// Checks a manifest (and its Spin files) and returns what is wrong.
pub fn check(manifest: &Manifest, strict: bool, runtime_config: Option<&Path>) -> Report {
    let mut r = Report::default();
    // Each file is read once; the default id's entries are where #[secret] fields are looked up.
    let mut default_entries = None;
    for (id, file) in &manifest.stores.config.files {
        match config_file::load_entries(&manifest.resolve(file)) {
            Ok(entries) if manifest.stores.config.default.as_ref() == Some(id) => {
                default_entries = Some(entries);
            }
            Ok(_) => {}
            Err(e) => r.errors.push(format!("{e:#}")),
        }
    }
    let secrets = match &default_entries {
        Some(entries) => secret_fields::collect(manifest, entries, strict, &mut r),
        None => Vec::new(),
    };
    if strict {
        secret_fields::name_rules(manifest, &secrets, &mut r);
    }
    if manifest.adapter("native").is_some() {
        if let Err(e) = adapter_crate_dir(manifest, Adapter::Native) {
            r.errors.push(format!("{e:#}"));
        }
    }
    if manifest.adapter("spin").is_some() {
        check_spin(manifest, strict, runtime_config, &secrets, &mut r);
    }
    r
}

fn check_spin(
    manifest: &Manifest,
    strict: bool,
    runtime_config: Option<&Path>,
    secrets: &[SecretEntry],
    r: &mut Report,
) {
    let app = match crate::commands::serve::spin_manifest(manifest)
        .and_then(|p| SpinApp::load(&p, manifest))
    {
        Ok(app) => app,
        Err(e) => return r.errors.push(format!("{e:#}")),
    };
    for e in &app.spin.unsupported_by_embedded_host {
        r.warnings.push(format!(
            "{e} (`edgezero serve` runs `spin up` when the Spin CLI is installed)"
        ));
    }
    let rc = match RuntimeConfig::discover(runtime_config, app.dir()) {
        Ok(rc) => rc,
        Err(e) => return r.errors.push(format!("{e:#}")),
    };
    if let Err(e) = rc.check_embedded_host_support() {
        r.warnings.push(e.to_string());
    }
    let wanted = match wanted_labels(&app, manifest) {
        Ok(labels) => labels,
        Err(e) => {
            r.errors.push(format!("{e:#}"));
            Vec::new()
        }
    };
    // label -> the components that must find a stanza for it.
    let mut declared: Vec<(String, Vec<String>)> = Vec::new();
    let mut need = |label: &str, component: Option<&str>| {
        let i = match declared.iter().position(|(l, _)| l == label) {
            Some(i) => i,
            None => {
                declared.push((label.to_string(), Vec::new()));
                declared.len() - 1
            }
        };
        if let Some(c) = component.filter(|c| !declared[i].1.iter().any(|x| x == c)) {
            declared[i].1.push(c.to_string());
        }
    };
    for c in app.components() {
        for label in c.store_labels() {
            need(label, Some(&c.id));
        }
    }
    for label in &wanted {
        if let Some(problem) = store_label_problem(label) {
            r.errors.push(format!(
                "the Spin label `{}` is not a valid store label: {problem}; Spin labels are kebab-case or snake_case (set EDGEZERO__STORES__*__NAME in the `environment` of {} to a valid label)",
                label.escape_debug(),
                app.describe_scope()
            ));
            continue;
        }
        if !app.grants(label) {
            r.errors.push(match &app.component {
                Some(id) => format!(
                    "label `{label}` is not in [component.{}].key_value_stores of {}; run `edgezero provision --adapter spin` or add it by hand",
                    toml_key(id),
                    app.path.display()
                ),
                None => format!(
                    "label `{label}` is in the key_value_stores of no component of {} ({}); add it to [component.<id>].key_value_stores of the component that uses it, or name the EdgeZero component ({}) and run `edgezero provision --adapter spin`",
                    app.path.display(),
                    app.order.join(", "),
                    name_component(&app.order[0], &manifest.path)
                ),
            });
        }
        need(label, app.component.as_deref());
    }
    for (label, components) in &declared {
        if label == DEFAULT_LABEL || rc.key_value_stores.contains_key(label) {
            continue;
        }
        let failure = match components.first() {
            Some(first) => format!(
                "`spin up` would fail with `unknown key_value_stores label \"{label}\" for component \"{first}\"`{}",
                if components.len() > 1 {
                    format!(" (components with this label: {})", components.join(", "))
                } else {
                    String::new()
                }
            ),
            None => format!(
                "once a component lists it in key_value_stores, `spin up` fails with `unknown key_value_stores label \"{label}\"`"
            ),
        };
        r.errors.push(format!(
            "label `{label}` has no stanza in {}; {failure}. Add:\n\n{}\n",
            rc.describe(),
            stanza_for(label)
        ));
    }
    for name in &manifest.stores.secrets.names {
        let Ok(lower) = secret_variable_name(name) else {
            continue; // reported by the strict rules
        };
        if !app.scope().iter().any(|c| c.variables.contains_key(&lower)) {
            r.warnings.push(format!(
                "secret `{name}` is not a variable of {} in {}; add `{lower} = \"{{{{ {lower} }}}}\"` under [component.{}.variables]{} and `{lower} = {{ required = true, secret = true }}` under [variables]",
                app.describe_scope(),
                app.path.display(),
                app.component.as_deref().map_or_else(|| "<id>".to_string(), toml_key),
                if app.component.is_none() { " of the component that reads it" } else { "" }
            ));
        }
    }
    secret_fields::spin_variables(&app, secrets, strict, r);
    if strict {
        strict_rules(manifest, &app, &wanted, r);
    }
}

fn strict_rules(manifest: &Manifest, app: &SpinApp, wanted: &[String], r: &mut Report) {
    // allowed_outbound_hosts of every component, as the host parses them (templates resolve
    // at startup).
    for c in app.components() {
        let literal: Vec<String> = c
            .allowed_outbound_hosts
            .iter()
            .filter(|e| !e.contains("{{"))
            .cloned()
            .collect();
        if let Err(e) = edgezero_spin_manifest::outbound::parse_all(&literal) {
            r.errors.push(format!(
                "[component.{}].allowed_outbound_hosts in {}: {e}",
                toml_key(&c.id),
                app.path.display()
            ));
        }
    }
    // Fermyon Cloud gives an app only the `default` store.
    if crate::commands::config_push::deploys_to_cloud(manifest) {
        let mut labels: Vec<&str> = wanted.iter().map(String::as_str).collect();
        for c in app.components() {
            labels.extend(c.store_labels());
        }
        let mut seen: Vec<&str> = Vec::new();
        for label in labels {
            if label == DEFAULT_LABEL || seen.contains(&label) {
                continue;
            }
            seen.push(label);
            let users = app.granted_by(label);
            let users = if users.is_empty() {
                String::new()
            } else {
                format!(" (used by {})", users.join(", "))
            };
            r.warnings.push(format!(
                "the deploy command targets Fermyon Cloud, which provides only the `default` key-value store; label `{label}`{users} must be linked with `spin cloud link key-value {label} --app {} --store <STORE>`, or set EDGEZERO__STORES__*__NAME to `default`",
                app.app_name()
            ));
        }
    }
    let secrets = &manifest.stores.secrets;
    if secrets.ids.len() > 1 {
        r.errors.push(format!(
            "[stores.secrets] declares {} ids ({}), but Spin has one flat variable namespace per component; keep a single id when targeting Spin",
            secrets.ids.len(),
            secrets.ids.join(", ")
        ));
    }
    let mut seen: Vec<(String, &str)> = Vec::new();
    for name in &secrets.names {
        let lower = name.to_ascii_lowercase();
        if secret_variable_name(name).is_err() {
            r.errors.push(format!(
                "secret `{}` lower-cased is `{}`, which is not a valid Spin variable name ({SPIN_VARIABLE_NAME_RULE}); rename it",
                name.escape_debug(),
                lower.escape_debug()
            ));
        }
        if let Some((_, other)) = seen.iter().find(|(l, _)| *l == lower) {
            r.errors.push(format!(
                "secrets `{other}` and `{name}` both lower-case to `{lower}` and would read the same Spin variable; rename one"
            ));
        }
        seen.push((lower, name));
    }
    let mut labels: Vec<(String, String)> = Vec::new();
    for (kind, id) in label_backed_ids(manifest) {
        // Components that disagree on a label are reported with the wanted labels.
        let Ok(label) = app.label(kind, id) else {
            continue;
        };
        let who = format!("[stores.{}] id `{id}`", kind.as_str());
        if let Some((_, other)) = labels.iter().find(|(l, _)| *l == label) {
            r.errors.push(format!(
                "{other} and {who} both resolve to the Spin label `{label}` and would share data; give one its own label (EDGEZERO__STORES__*__NAME)"
            ));
        }
        labels.push((label, who));
    }
}

/// Runs `edgezero config validate`.
pub fn run(args: &ValidateArgs, manifest: Option<&Path>) -> Result<ExitCode> {
    let manifest = load_manifest(manifest)?;
    let report = check(&manifest, args.strict, args.runtime_config.as_deref());
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    for e in &report.errors {
        eprintln!("error: {e}");
    }
    if report.errors.is_empty() {
        eprintln!(
            "{}: ok{}",
            manifest.path.display(),
            if args.strict { " (strict)" } else { "" }
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{}: {} problem(s)",
            manifest.path.display(),
            report.errors.len()
        );
        Ok(ExitCode::from(1))
    }
}
