//! `spin.toml` (manifest version 2): the parts the embedded host runs, checked as strictly as
//! `spin up` checks them. Every error names the file, the line and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use edgezero_env::{resolve_store_name, StoreKind};

use crate::diag::{LoadError, Source};
use crate::ids::{
    component_id_problem, is_spin_variable_name, store_label_problem, SPIN_VARIABLE_NAME_RULE,
};
use crate::routes::Route;
use crate::variables::{AppVariable, Template};

/// A loaded and checked spin.toml.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The file.
    pub path: PathBuf,
    /// Its directory (component sources and the default store are relative to it).
    pub dir: PathBuf,
    /// `[application].name`.
    pub name: String,
    /// `[variables]`.
    pub variables: BTreeMap<String, AppVariable>,
    /// `[[trigger.http]]` entries that have a public route.
    pub routes: Vec<(Route, String)>,
    /// Components of `[[trigger.http]]` entries with `route = { private = true }`: reachable
    /// only by service chaining (`http://<id>.spin.internal`).
    pub private_components: Vec<String>,
    /// `[component.<id>]`, by id.
    pub components: BTreeMap<String, ComponentSpec>,
    /// Features `spin up` runs but the embedded host does not (`files`, `static_response`,
    /// …), each as an error naming its line; the host refuses to load while any is present.
    pub unsupported_by_embedded_host: Vec<LoadError>,
}

/// One `[component.<id>]`.
#[derive(Debug, Clone)]
pub struct ComponentSpec {
    /// The id.
    pub id: String,
    /// `source`, resolved against the manifest's directory.
    pub source: PathBuf,
    /// `key_value_stores`, with the line each label is on.
    pub key_value_stores: Vec<(String, usize)>,
    /// `environment`: the component's WASI environment.
    pub environment: Vec<(String, String)>,
    /// `[component.<id>.variables]`.
    pub variables: BTreeMap<String, Template>,
    /// `allowed_outbound_hosts`.
    pub allowed_outbound_hosts: Vec<String>,
    /// `[component.<id>.build]`, if any.
    pub build: Option<BuildSpec>,
}

/// `[component.<id>.build]`: how `spin build` builds the component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSpec {
    /// `command`: one shell command, or several run in order.
    pub commands: Vec<String>,
    /// `workdir`, resolved against the manifest's directory (default: that directory).
    pub workdir: PathBuf,
}

impl ComponentSpec {
    /// The value of `name` in the component's `environment`.
    pub fn env(&self, name: &str) -> Option<&str> {
        self.environment
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The Spin label a logical store of this component opens: what the component sees, i.e.
    /// `EDGEZERO__STORES__<KIND>__<ID>__NAME` from its `environment`, else the id.
    pub fn store_label(&self, kind: StoreKind, id: &str) -> String {
        resolve_store_name(kind, id, &|k| self.env(k).map(str::to_string))
    }

    /// The labels in `key_value_stores`.
    pub fn store_labels(&self) -> impl Iterator<Item = &str> {
        self.key_value_stores.iter().map(|(l, _)| l.as_str())
    }
}

type Table<V> = BTreeMap<Spanned<String>, Spanned<V>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    spin_manifest_version: Spanned<toml::Value>,
    application: Spanned<RawApplication>,
    #[serde(default)]
    variables: Table<RawVariable>,
    #[serde(default)]
    trigger: Option<RawTriggers>,
    #[serde(default)]
    component: Table<RawComponent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read by serde for validation only
struct RawApplication {
    name: Spanned<String>,
    version: Option<String>,
    description: Option<String>,
    authors: Option<Vec<String>>,
    targets: Option<Vec<String>>,
    trigger: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariable {
    required: Option<bool>,
    default: Option<String>,
    #[serde(default)]
    secret: bool,
    #[allow(dead_code)]
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTriggers {
    #[serde(default)]
    http: Vec<Spanned<RawHttpTrigger>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttpTrigger {
    route: Spanned<toml::Value>,
    component: Option<Spanned<toml::Value>>,
    #[allow(dead_code)]
    id: Option<String>,
    executor: Option<Spanned<toml::Value>>,
    static_response: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // some fields are read by serde for validation only
struct RawComponent {
    source: Spanned<toml::Value>,
    description: Option<String>,
    #[serde(default)]
    key_value_stores: Vec<Spanned<String>>,
    #[serde(default)]
    environment: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    variables: Table<String>,
    #[serde(default)]
    allowed_outbound_hosts: Vec<Spanned<String>>,
    allowed_http_hosts: Option<Spanned<toml::Value>>,
    build: Option<Spanned<RawBuild>>,
    tool: Option<toml::Table>,
    files: Option<Spanned<toml::Value>>,
    exclude_files: Option<Spanned<toml::Value>>,
    sqlite_databases: Option<Spanned<toml::Value>>,
    ai_models: Option<Spanned<toml::Value>>,
    dependencies: Option<Spanned<toml::Value>>,
    dependencies_inherit_configuration: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // `watch` is read by serde for validation only
struct RawBuild {
    command: Spanned<toml::Value>,
    workdir: Option<String>,
    #[serde(default)]
    watch: Vec<String>,
}

impl Manifest {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Manifest, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|e| LoadError {
            file: path.to_path_buf(),
            line: None,
            column: None,
            key: None,
            message: format!("cannot read the Spin manifest: {e}"),
        })?;
        Manifest::parse(path, &text)
    }

    /// Checks the text of a spin.toml at `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Manifest, LoadError> {
        let src = Source::new(path, text);
        let raw: RawManifest = toml::from_str(text).map_err(|e| src.toml(&e))?;
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();

        let version = &raw.spin_manifest_version;
        if version.get_ref().as_integer() != Some(2) {
            return Err(src.at(
                version.span(),
                "spin_manifest_version",
                format!(
                    "this host reads manifest version 2 (`spin_manifest_version = 2`), found {}; a version 1 manifest can be converted with `spin doctor`",
                    version.get_ref()
                ),
            ));
        }
        let app = raw.application.get_ref();
        if app.name.get_ref().trim().is_empty() {
            return Err(src.at(app.name.span(), "application.name", "must not be empty"));
        }

        let variables = app_variables(&src, &raw.variables)?;
        let mut unsupported = Vec::new();
        let mut components = BTreeMap::new();
        for (id, comp) in &raw.component {
            let spec = component(&src, &dir, id, comp.get_ref(), &variables, &mut unsupported)?;
            components.insert(id.get_ref().clone(), spec);
        }
        let (routes, private_components) = match &raw.trigger {
            Some(t) => http_routes(&src, &t.http, &components, &mut unsupported)?,
            None => Default::default(),
        };
        Ok(Manifest {
            path: path.to_path_buf(),
            dir,
            name: app.name.get_ref().clone(),
            variables,
            routes,
            private_components,
            components,
            unsupported_by_embedded_host: unsupported,
        })
    }

    /// Checks that the embedded host can run everything this manifest asks for.
    pub fn check_embedded_host_support(&self) -> Result<(), LoadError> {
        match self.unsupported_by_embedded_host.first() {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// The component ids, in file order of their ids (sorted).
    pub fn component_ids(&self) -> impl Iterator<Item = &str> {
        self.components.keys().map(String::as_str)
    }
}

fn app_variables(
    src: &Source<'_>,
    raw: &Table<RawVariable>,
) -> Result<BTreeMap<String, AppVariable>, LoadError> {
    let mut out = BTreeMap::new();
    for (name, var) in raw {
        let key = format!("variables.{}", name.get_ref());
        if !is_spin_variable_name(name.get_ref()) {
            return Err(src.at(
                name.span(),
                key,
                format!("variable names are {SPIN_VARIABLE_NAME_RULE}, e.g. `api_token`"),
            ));
        }
        let v = var.get_ref();
        let required = v.required.unwrap_or(false);
        if required == v.default.is_some() {
            return Err(src.at(
                var.span(),
                key,
                "give exactly one of `required = true` or `default = \"...\"`",
            ));
        }
        out.insert(
            name.get_ref().clone(),
            AppVariable {
                required,
                default: v.default.clone(),
                secret: v.secret,
            },
        );
    }
    Ok(out)
}

fn unsupported(
    src: &Source<'_>,
    id: &str,
    fields: &[(&str, &Option<Spanned<toml::Value>>)],
    out: &mut Vec<LoadError>,
) {
    for (name, value) in fields {
        if let Some(v) = value {
            out.push(src.at(
                v.span(),
                format!("component.{id}.{name}"),
                format!("`{name}` is supported by `spin up` but not by the embedded host; remove it or run the app with the Spin CLI"),
            ));
        }
    }
}

fn component(
    src: &Source<'_>,
    dir: &Path,
    id: &Spanned<String>,
    raw: &RawComponent,
    app_vars: &BTreeMap<String, AppVariable>,
    unsupported_here: &mut Vec<LoadError>,
) -> Result<ComponentSpec, LoadError> {
    let name = id.get_ref();
    if let Some(problem) = component_id_problem(name) {
        return Err(src.at(
            id.span(),
            format!("component.{}", crate::ids::toml_key(name)),
            format!("`{}` is not a valid component id: {problem}; component ids are kebab-case words of letters and digits (e.g. `my-app`)", name.escape_debug()),
        ));
    }
    let key = |field: &str| format!("component.{name}.{field}");
    if let Some(v) = &raw.allowed_http_hosts {
        return Err(src.at(
            v.span(),
            key("allowed_http_hosts"),
            "`allowed_http_hosts` is a manifest version 1 key; use `allowed_outbound_hosts`",
        ));
    }
    unsupported(
        src,
        name,
        &[
            ("files", &raw.files),
            ("exclude_files", &raw.exclude_files),
            ("sqlite_databases", &raw.sqlite_databases),
            ("ai_models", &raw.ai_models),
            ("dependencies", &raw.dependencies),
            (
                "dependencies_inherit_configuration",
                &raw.dependencies_inherit_configuration,
            ),
        ],
        unsupported_here,
    );
    let source = match raw.source.get_ref() {
        toml::Value::String(s) if !s.is_empty() => dir.join(s),
        toml::Value::Table(_) => {
            return Err(src.at(
                raw.source.span(),
                key("source"),
                "the embedded host runs local files only: set `source` to the path of the .wasm file (relative to spin.toml)",
            ))
        }
        _ => {
            return Err(src.at(
                raw.source.span(),
                key("source"),
                "must be the path of the component's .wasm file, relative to spin.toml",
            ))
        }
    };
    let mut stores: Vec<(String, usize)> = Vec::new();
    for label in &raw.key_value_stores {
        if let Some(problem) = store_label_problem(label.get_ref()) {
            return Err(src.at(
                label.span(),
                key("key_value_stores"),
                format!(
                    "`{}` is not a valid store label: {problem}; labels are kebab-case or snake_case (e.g. `default`, `app_config`)",
                    label.get_ref().escape_debug()
                ),
            ));
        }
        if !stores.iter().any(|(l, _)| l == label.get_ref()) {
            stores.push((label.get_ref().clone(), src.line_col(label.span().start).0));
        }
    }
    let mut environment = Vec::new();
    for (k, v) in &raw.environment {
        if k.is_empty() || k.contains('=') || k.contains('\0') || v.get_ref().contains('\0') {
            return Err(src.at(
                v.span(),
                key(&format!("environment.{k}")),
                "environment names must be non-empty without `=`, and values must not contain NUL",
            ));
        }
        environment.push((k.clone(), v.get_ref().clone()));
    }
    let mut variables = BTreeMap::new();
    for (var, value) in &raw.variables {
        let vkey = key(&format!("variables.{}", var.get_ref()));
        if !is_spin_variable_name(var.get_ref()) {
            return Err(src.at(
                var.span(),
                vkey,
                format!("variable names are {SPIN_VARIABLE_NAME_RULE}"),
            ));
        }
        let template = Template::parse(value.get_ref())
            .map_err(|e| src.at(value.span(), vkey.clone(), e.to_string()))?;
        if let Some(undeclared) = template.references().find(|r| !app_vars.contains_key(*r)) {
            return Err(src.at(
                value.span(),
                vkey,
                format!(
                    "`{{{{ {undeclared} }}}}` names no application variable; declare it under [variables], e.g. `{undeclared} = {{ default = \"\" }}` or `{undeclared} = {{ required = true }}`"
                ),
            ));
        }
        variables.insert(var.get_ref().clone(), template);
    }
    Ok(ComponentSpec {
        id: name.clone(),
        source,
        key_value_stores: stores,
        environment,
        variables,
        allowed_outbound_hosts: raw
            .allowed_outbound_hosts
            .iter()
            .map(|h| h.get_ref().clone())
            .collect(),
        build: match &raw.build {
            Some(b) => Some(build_spec(src, dir, name, b)?),
            None => None,
        },
    })
}

fn build_spec(
    src: &Source<'_>,
    dir: &Path,
    id: &str,
    raw: &Spanned<RawBuild>,
) -> Result<BuildSpec, LoadError> {
    let b = raw.get_ref();
    let bad = || {
        src.at(
            b.command.span(),
            format!("component.{id}.build.command"),
            "must be a shell command (a string) or a list of them",
        )
    };
    let commands = match b.command.get_ref() {
        toml::Value::String(c) => vec![c.clone()],
        toml::Value::Array(list) => list
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
            .collect::<Result<_, _>>()?,
        _ => return Err(bad()),
    };
    Ok(BuildSpec {
        commands,
        workdir: b
            .workdir
            .as_deref()
            .map_or_else(|| dir.to_path_buf(), |w| dir.join(w)),
    })
}

/// Public routes with their components, and the components of private triggers.
type HttpTriggers = (Vec<(Route, String)>, Vec<String>);

fn http_routes(
    src: &Source<'_>,
    triggers: &[Spanned<RawHttpTrigger>],
    components: &BTreeMap<String, ComponentSpec>,
    unsupported_here: &mut Vec<LoadError>,
) -> Result<HttpTriggers, LoadError> {
    let mut routes = Vec::new();
    let mut private = Vec::new();
    for (i, trigger) in triggers.iter().enumerate() {
        let t = trigger.get_ref();
        let key = |field: &str| format!("trigger.http.{i}.{field}");
        if let Some(v) = &t.static_response {
            unsupported_here.push(src.at(
                v.span(),
                key("static_response"),
                "`static_response` is supported by `spin up` but not by the embedded host",
            ));
            continue;
        }
        if let Some(exec) = &t.executor {
            let kind = exec.get_ref().get("type").and_then(|v| v.as_str());
            if kind != Some("http") && kind != Some("spin") {
                unsupported_here.push(src.at(
                    exec.span(),
                    key("executor"),
                    "the embedded host runs `wasi:http` components only (no Wagi executor); remove `executor`",
                ));
            }
        }
        let Some(comp) = &t.component else {
            return Err(src.error(
                Some(trigger.span()),
                Some(format!("trigger.http.{i}")),
                "an HTTP trigger needs `component = \"<component id>\"`",
            ));
        };
        let Some(comp_id) = comp.get_ref().as_str() else {
            return Err(src.at(
                comp.span(),
                key("component"),
                "the embedded host needs the id of a [component.<id>] table here, not an inline component",
            ));
        };
        if !components.contains_key(comp_id) {
            let known: Vec<&str> = components.keys().map(String::as_str).collect();
            return Err(src.at(
                comp.span(),
                key("component"),
                format!(
                    "no [component.{comp_id}] in this manifest (components: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        }
        match t.route.get_ref() {
            toml::Value::String(r) => {
                let route = Route::parse(r)
                    .map_err(|e| src.at(t.route.span(), key("route"), e.to_string()))?;
                routes.push((route, comp_id.to_string()));
            }
            toml::Value::Table(tab)
                if tab.get("private").and_then(|v| v.as_bool()) == Some(true) =>
            {
                private.push(comp_id.to_string());
            }
            _ => {
                return Err(src.at(
                    t.route.span(),
                    key("route"),
                    "must be a path such as \"/...\" or \"/api/:id\", or `{ private = true }`",
                ))
            }
        }
    }
    Ok((routes, private))
}

#[cfg(test)]
mod tests;
