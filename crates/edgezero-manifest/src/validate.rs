//! Semantic checks that serde cannot express.

use std::collections::BTreeMap;

use toml::Spanned;

use crate::error::TomlSource as Source;
use crate::raw::{RawAdapter, RawManifest, RawStore};
use crate::routes::RouteTable;
use crate::{
    AdapterCommands, AdapterSection, AdapterSettings, AppSection, HttpTrigger, Manifest,
    ManifestError, StoreSection, StoresSection, ADAPTERS,
};

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// The `methods` entry for every method (`Router::any`).
pub(crate) const ANY: &str = "*";

type R<T> = Result<T, ManifestError>;

fn err<T>(src: &Source, s: &Spanned<impl Sized>, key: &str, msg: impl Into<String>) -> R<T> {
    Err(src.error(Some(s.span()), Some(key.to_string()), msg))
}

fn is_rust_path(p: &str) -> bool {
    let p = p.strip_prefix("::").unwrap_or(p);
    !p.is_empty()
        && p.split("::").all(|seg| {
            let mut chars = seg.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

pub fn manifest(src: &Source, raw: RawManifest) -> R<Manifest> {
    let raw_app = raw.app.into_inner();
    let name = raw_app.name;
    if name.get_ref().trim().is_empty() {
        return err(src, &name, "app.name", "the app name must not be empty");
    }
    let mut middleware = Vec::new();
    for (i, m) in raw_app.middleware.iter().enumerate() {
        if !is_rust_path(m.get_ref()) {
            return err(
                src,
                m,
                &format!("app.middleware.{i}"),
                format!(
                    "`{}` is not a Rust path; write e.g. \"crate::middleware::request_log\"",
                    m.get_ref()
                ),
            );
        }
        middleware.push(m.get_ref().clone());
    }
    let app = AppSection {
        name: name.into_inner(),
        middleware,
    };

    let mut http_triggers = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut table = RouteTable::default();
    for (i, t) in raw
        .triggers
        .map(|t| t.http)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let t = t.into_inner();
        let key = |k: &str| format!("triggers.http.{i}.{k}");
        let path = t.path.get_ref();
        if !path.starts_with('/') {
            return err(
                src,
                &t.path,
                &key("path"),
                format!("route path `{path}` must start with `/`"),
            );
        }
        if path.contains(':') && path.split('/').any(|s| s.starts_with(':')) {
            return err(
                src,
                &t.path,
                &key("path"),
                format!(
                "route path `{path}` uses `:name`; EdgeZero routes write parameters as `{{name}}`"
            ),
            );
        }
        if !is_rust_path(t.handler.get_ref()) {
            return err(
                src,
                &t.handler,
                &key("handler"),
                format!(
                    "`{}` is not a Rust path; write e.g. \"crate::handlers::hello\"",
                    t.handler.get_ref()
                ),
            );
        }
        let methods = match &t.methods {
            None => vec!["GET".to_string()],
            Some(list) if list.is_empty() => {
                return err(
                    src,
                    &t.path,
                    &key("methods"),
                    "methods must list at least one HTTP method",
                );
            }
            Some(list) => {
                let mut out = Vec::new();
                for m in list {
                    let upper = m.get_ref().to_ascii_uppercase();
                    if upper != ANY && !METHODS.contains(&upper.as_str()) {
                        return err(
                            src,
                            m,
                            &key("methods"),
                            format!(
                                "unknown HTTP method `{}`; use one of {}, or \"*\" for every method",
                                m.get_ref(),
                                METHODS.join(", ")
                            ),
                        );
                    }
                    out.push(upper);
                }
                out
            }
        };
        for m in &methods {
            let pair = (path.clone(), m.clone());
            if seen.contains(&pair) {
                return err(
                    src,
                    &t.path,
                    &key("path"),
                    format!("route {m} {path} is declared twice"),
                );
            }
            seen.push(pair);
        }
        table.add(src, &t.path, &key("path"))?;
        http_triggers.push(HttpTrigger {
            path: path.clone(),
            methods,
            handler: t.handler.into_inner(),
        });
    }

    let mut stores = StoresSection::default();
    if let Some(s) = raw.stores {
        stores.kv = store(src, "kv", s.kv)?;
        stores.config = store(src, "config", s.config)?;
        stores.secrets = store(src, "secrets", s.secrets)?;
    }

    let mut adapters = BTreeMap::new();
    for (name, a) in raw.adapters {
        if !ADAPTERS.contains(&name.get_ref().as_str()) {
            return err(
                src,
                &name,
                &format!("adapters.{}", name.get_ref()),
                format!(
                    "unknown adapter `{}`; supported adapters: {}",
                    name.get_ref(),
                    ADAPTERS.join(", ")
                ),
            );
        }
        let section = adapter(src, name.get_ref(), a)?;
        adapters.insert(name.into_inner(), section);
    }

    let environment = raw
        .environment
        .into_iter()
        .map(|(k, v)| (k.into_inner(), v.into_inner()))
        .collect();

    Ok(Manifest {
        path: src.file.to_path_buf(),
        app,
        http_triggers,
        stores,
        adapters,
        environment,
    })
}

fn store(src: &Source, kind: &str, raw: Option<Spanned<RawStore>>) -> R<StoreSection> {
    let Some(raw) = raw else {
        return Ok(StoreSection::default());
    };
    let raw = raw.into_inner();
    let mut ids: Vec<String> = Vec::new();
    for (i, id) in raw.ids.get_ref().iter().enumerate() {
        let key = format!("stores.{kind}.ids.{i}");
        let v = id.get_ref();
        if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return err(src, id, &key, format!(
                "store id `{v}` may only use letters, digits and `_` (it becomes part of EDGEZERO__STORES__{}__<ID>__NAME)",
                kind.to_ascii_uppercase()
            ));
        }
        if ids.iter().any(|x| x.eq_ignore_ascii_case(v)) {
            return err(src, id, &key, format!(
                "store id `{v}` is declared twice (ids are compared case-insensitively, as their environment variables are)"
            ));
        }
        ids.push(v.clone());
    }
    if ids.is_empty() {
        return err(
            src,
            &raw.ids,
            &format!("stores.{kind}.ids"),
            format!("[stores.{kind}] must declare at least one id, or be removed"),
        );
    }
    let default = match raw.default {
        Some(d) if !ids.contains(d.get_ref()) => {
            return err(
                src,
                &d,
                &format!("stores.{kind}.default"),
                format!("default `{}` is not one of the ids {:?}", d.get_ref(), ids),
            );
        }
        Some(d) => Some(d.into_inner()),
        None if ids.len() == 1 => Some(ids[0].clone()),
        None => {
            return err(src, &raw.ids, &format!("stores.{kind}.default"), format!(
                "[stores.{kind}] declares {} ids, so it needs `default = \"<id>\"` naming one of them",
                ids.len()
            ));
        }
    };
    if let Some(f) = &raw.file {
        if kind != "config" {
            return err(
                src,
                f,
                &format!("stores.{kind}.file"),
                "`file` is only supported in [stores.config]",
            );
        }
        if f.get_ref().trim().is_empty() {
            return err(
                src,
                f,
                &format!("stores.{kind}.file"),
                "file must not be empty",
            );
        }
    }
    let mut files = BTreeMap::new();
    if let (Some(f), Some(d)) = (&raw.file, &default) {
        files.insert(d.clone(), f.get_ref().clone());
    }
    if let Some(table) = &raw.files {
        if kind != "config" {
            return err(
                src,
                table,
                &format!("stores.{kind}.files"),
                "`files` is only supported in [stores.config]",
            );
        }
        for (id, path) in table.get_ref() {
            let key = format!("stores.{kind}.files.{}", id.get_ref());
            if !ids.contains(id.get_ref()) {
                return err(
                    src,
                    id,
                    &key,
                    format!("`{}` is not one of the ids {:?}", id.get_ref(), ids),
                );
            }
            if path.get_ref().trim().is_empty() {
                return err(src, path, &key, "file must not be empty");
            }
            if files.contains_key(id.get_ref()) {
                return err(
                    src,
                    id,
                    &key,
                    format!(
                        "`{}` is the default id, whose entries file is already `file`; keep one of the two",
                        id.get_ref()
                    ),
                );
            }
            files.insert(id.get_ref().clone(), path.get_ref().clone());
        }
    }
    let mut names = Vec::new();
    for (i, n) in raw.names.unwrap_or_default().into_iter().enumerate() {
        let key = format!("stores.{kind}.names.{i}");
        if kind != "secrets" {
            return err(
                src,
                &n,
                &key,
                "`names` is only supported in [stores.secrets]",
            );
        }
        if n.get_ref().trim().is_empty() {
            return err(src, &n, &key, "secret names must not be empty");
        }
        names.push(n.into_inner());
    }
    Ok(StoreSection {
        ids,
        default,
        file: raw.file.map(Spanned::into_inner),
        files,
        names,
    })
}

fn adapter(src: &Source, name: &str, raw: RawAdapter) -> R<AdapterSection> {
    let mut out = AdapterSection::default();
    if let Some(a) = raw.adapter {
        let port = match a.port {
            Some(p) if !(1..=65535).contains(p.get_ref()) => {
                return err(
                    src,
                    &p,
                    &format!("adapters.{name}.adapter.port"),
                    format!("port {} is out of range; use 1 to 65535", p.get_ref()),
                );
            }
            Some(p) => Some(*p.get_ref() as u16),
            None => None,
        };
        for (field, value) in [
            ("crate", &a.crate_dir),
            ("manifest", &a.manifest),
            ("component", &a.component),
            ("host", &a.host),
        ] {
            if let Some(v) = value {
                if v.get_ref().trim().is_empty() {
                    return err(
                        src,
                        v,
                        &format!("adapters.{name}.adapter.{field}"),
                        format!("{field} must not be empty"),
                    );
                }
            }
        }
        out.adapter = AdapterSettings {
            crate_dir: a.crate_dir.map(Spanned::into_inner),
            manifest: a.manifest.map(Spanned::into_inner),
            component: a.component.map(Spanned::into_inner),
            host: a.host.map(Spanned::into_inner),
            port,
        };
    }
    if let Some(c) = raw.commands {
        for (field, value) in [
            ("build", &c.build),
            ("serve", &c.serve),
            ("deploy", &c.deploy),
        ] {
            if let Some(v) = value {
                if v.get_ref().trim().is_empty() {
                    return err(src, v, &format!("adapters.{name}.commands.{field}"), format!(
                        "{field} command must not be empty; remove the key to use the built-in command"
                    ));
                }
            }
        }
        out.commands = AdapterCommands {
            build: c.build.map(Spanned::into_inner),
            serve: c.serve.map(Spanned::into_inner),
            deploy: c.deploy.map(Spanned::into_inner),
        };
    }
    Ok(out)
}
