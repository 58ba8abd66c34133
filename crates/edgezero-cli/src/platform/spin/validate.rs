//! `edgezero config validate` for Spin: component discovery, every store label granted in
//! spin.toml and declared in runtime-config.toml, secrets as Spin variables, and under
//! `--strict` Spin's portability rules.

use std::path::Path;

use edgezero_manifest::Manifest;
use edgezero_spin_manifest::ids::{secret_variable_name, SPIN_VARIABLE_NAME_RULE};
use edgezero_spin_manifest::ids::{store_label_problem, toml_key};
use edgezero_spin_manifest::{stanza_for, RuntimeConfig};

use super::deploy::deploys_to_cloud;
use super::discovery::{name_component, SpinApp};
use super::provision::{label_backed_ids, wanted_labels};
use super::DEFAULT_LABEL;
use crate::app_config_scan::SecretEntry;
use crate::report::Report;

/// The Spin checks of `config validate`, for an app with an `[adapters.spin]` section.
pub fn check(
    manifest: &Manifest,
    strict: bool,
    runtime_config: Option<&Path>,
    secrets: &[SecretEntry],
    r: &mut Report,
) {
    let app = match super::load_app(manifest) {
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
    spin_variables(&app, secrets, strict, r);
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
    if deploys_to_cloud(manifest) {
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
    // A built component that imports what the deploy target lacks.
    if let Some(target) = super::imports::deploy_target_without_atomics(manifest) {
        r.warnings
            .extend(super::imports::atomics_problems(target, app));
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

/// Where in spin.toml a line of a fix goes: under the table that is already there (pasting
/// its header again would make the file invalid TOML), inside an inline table's braces, or
/// as a new table.
/// `added` holds the tables an earlier fix of the same run asked to create: a second secret
/// goes under that table rather than into a second copy of it.
fn where_to_add(
    doc: Option<&toml_edit::DocumentMut>,
    added: &mut Vec<String>,
    path: &[&str],
    line: &str,
) -> String {
    let header = format!("[{}]", path.join("."));
    let mut item = doc.map(|d| d.as_item());
    for key in path {
        item = item.and_then(|i| i.get(key));
    }
    match item {
        Some(toml_edit::Item::Table(_)) => {
            format!("this line under the {header} table that spin.toml already has:\n\n{line}\n")
        }
        Some(toml_edit::Item::Value(toml_edit::Value::InlineTable(_))) => format!(
            "`{line}` inside the braces of the inline `{} = {{ ... }}` that spin.toml already has\n",
            path.last().copied().unwrap_or_default()
        ),
        _ if added.contains(&header) => {
            format!("this line under the {header} table added above:\n\n{line}\n")
        }
        _ => {
            added.push(header.clone());
            format!("this table to spin.toml:\n\n{header}\n{line}\n")
        }
    }
}

/// Spin: each name is an application variable and a variable of the EdgeZero component
/// (without one, of any component). Errors under `--strict`, warnings otherwise; each names
/// the lines to add, so that adding them as said gives a valid spin.toml.
fn spin_variables(app: &SpinApp, entries: &[SecretEntry], strict: bool, r: &mut Report) {
    let (component, which) = match &app.component {
        Some(id) => (id.clone(), String::new()),
        None => (
            "<id>".to_string(),
            format!(
                "(<id>: the component that reads it, one of {})\n",
                app.order.join(", ")
            ),
        ),
    };
    let doc = std::fs::read_to_string(&app.path)
        .ok()
        .and_then(|text| text.parse::<toml_edit::DocumentMut>().ok());
    let scope = app.scope();
    let mut done: Vec<String> = Vec::new();
    let mut added: Vec<String> = Vec::new();
    for e in entries {
        let lower = e.lower();
        if secret_variable_name(&e.name).is_err() || done.contains(&lower) {
            continue;
        }
        done.push(lower.clone());
        let declaration = if e.field.optional {
            format!("{lower} = {{ default = \"\", secret = true }}")
        } else {
            format!("{lower} = {{ required = true, secret = true }}")
        };
        let mapping = format!("{lower} = \"{{{{ {lower} }}}}\"");
        let mapping_path = ["component", component.as_str(), "variables"];
        let problem = if !app.spin.variables.contains_key(&lower) {
            let declare = where_to_add(doc.as_ref(), &mut added, &["variables"], &declaration);
            let map_it = where_to_add(doc.as_ref(), &mut added, &mapping_path, &mapping);
            Some(format!(
                "{} names the secret `{}`, but {} declares no variable `{lower}`; add {declare}and {map_it}{which}",
                e.who(),
                e.name,
                app.path.display(),
            ))
        } else if !scope.iter().any(|c| c.variables.contains_key(&lower)) {
            let map_it = where_to_add(doc.as_ref(), &mut added, &mapping_path, &mapping);
            Some(format!(
                "{} names the secret `{}`, but the variable `{lower}` is not mapped into {} of {}, so the component cannot read it; add {map_it}{which}",
                e.who(),
                e.name,
                app.describe_scope(),
                app.path.display(),
            ))
        } else {
            None
        };
        if let Some(p) = problem {
            if strict {
                r.errors.push(p);
            } else {
                r.warnings.push(p);
            }
        }
    }
}
