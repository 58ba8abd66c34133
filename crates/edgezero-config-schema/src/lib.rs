//! # The schema of an `AppConfig` struct, read from its syntax
//!
//! `#[derive(AppConfig)]` (in `edgezero-macros`) and `edgezero config validate --strict` (in
//! `edgezero-cli`) must agree on which fields are `#[secret]` and under which dotted config
//! key each one sits. Both call [`parse`] on the struct's [`syn::DeriveInput`], so there is
//! one reading of the rules:
//!
//! - `#[secret]` takes no arguments and goes on a `String` or `Option<String>` field: the
//!   config entry holds the secret's *name*, the field receives its *value*.
//! - A field's config key is its name, or its `#[serde(rename = "...")]`, or the container's
//!   `#[serde(rename_all = "...")]` applied to it, exactly as serde reads it.
//! - On a `#[secret]` field only `rename` and `default` of serde's field attributes are
//!   accepted: `alias`, `skip`, `deserialize_with`, ... would make the key or the value
//!   something the secret lookup cannot follow.
//! - `#[serde(flatten)]` is rejected on every field (config entries are dotted keys, a
//!   flattened struct has none), as are the container attributes that replace the struct's
//!   own fields (`transparent`, `from`, `try_from`, `remote`).
//! - The struct has named fields and no generic parameters.
//!
//! [`secret_paths`] resolves nested tables by type name across a set of structs, which is
//! how the CLI, reading source files without type information, finds `service.api_key` in
//! `struct Settings { service: Service }`.

#![warn(missing_docs)]

use proc_macro2::TokenTree;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Data, DeriveInput, Fields, GenericArgument, LitStr, PathArguments, Type};

/// A struct deriving `AppConfig`, read from its syntax.
#[derive(Debug, Clone)]
pub struct ConfigStruct {
    /// The struct's name.
    pub name: syn::Ident,
    /// Its fields, in declaration order (fields serde skips are left out).
    pub fields: Vec<ConfigField>,
}

/// One field of a [`ConfigStruct`].
#[derive(Debug, Clone)]
pub struct ConfigField {
    /// The Rust field name.
    pub ident: syn::Ident,
    /// The config key of the field (one segment of a dotted key), as serde reads it.
    pub key: String,
    /// A secret, or any other value.
    pub kind: FieldKind,
}

/// What a field holds.
#[derive(Clone)]
pub enum FieldKind {
    /// `#[secret]`: `String` (required) or `Option<String>` (optional).
    Secret {
        /// `Option<String>`.
        optional: bool,
    },
    /// Any other field; it may be a nested table with secrets of its own.
    Value {
        /// The field's type with one `Option<...>` removed.
        inner: Box<Type>,
        /// The field is an `Option<...>`.
        optional: bool,
    },
}

impl std::fmt::Debug for FieldKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldKind::Secret { optional } => f
                .debug_struct("Secret")
                .field("optional", optional)
                .finish(),
            FieldKind::Value { optional, .. } => f
                .debug_struct("Value")
                .field("optional", optional)
                .finish_non_exhaustive(),
        }
    }
}

impl ConfigField {
    /// For a non-secret field whose type is a plain path (`Service`, `crate::x::Service`,
    /// `Option<Service>`): the last segment's name, used to find a nested struct by name.
    pub fn type_name(&self) -> Option<String> {
        match &self.kind {
            FieldKind::Value { inner, .. } => {
                let Type::Path(p) = &**inner else {
                    return None;
                };
                if p.qself.is_some() {
                    return None;
                }
                let last = p.path.segments.last()?;
                matches!(last.arguments, PathArguments::None).then(|| last.ident.to_string())
            }
            _ => None,
        }
    }
}

/// Whether the attributes contain `#[derive(..., AppConfig, ...)]` (any path ending in
/// `AppConfig`, e.g. `edgezero_core::AppConfig`).
pub fn derives_app_config(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .map(|paths| {
                paths
                    .iter()
                    .any(|p| p.segments.last().is_some_and(|s| s.ident == "AppConfig"))
            })
            .unwrap_or(false)
        })
}

/// Reads an `AppConfig` struct, or fails with every rule it breaks (each error spans the
/// offending attribute, field or type).
pub fn parse(input: &DeriveInput) -> syn::Result<ConfigStruct> {
    let mut errors = Errors::default();
    if let Some(param) = input.generics.params.first() {
        errors.push(syn::Error::new_spanned(
            param,
            "AppConfig cannot be derived for a generic struct: the config is read once and cached per type, so give it a concrete type",
        ));
    }
    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => Some(named),
            _ => None,
        },
        _ => None,
    };
    let Some(named) = named else {
        errors.push(syn::Error::new_spanned(
            &input.ident,
            "AppConfig can only be derived for a struct with named fields: each field is a config key",
        ));
        return Err(errors.finish().unwrap_err());
    };
    let rename_all = container_attrs(&input.attrs, &mut errors);
    let mut fields = Vec::new();
    for field in &named.named {
        let Some(ident) = field.ident.clone() else {
            continue;
        };
        let secret = secret_attr(&field.attrs, &mut errors);
        let serde = field_serde_attrs(&field.attrs, secret, &mut errors);
        if serde.skipped {
            continue;
        }
        let name = ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name);
        let key = match (serde.rename, &rename_all) {
            (Some(r), _) => r,
            (None, Some(rule)) => rule.apply(name),
            (None, None) => name.to_string(),
        };
        let (inner, optional) = strip_option(&field.ty);
        let kind = if secret {
            if !is_string(inner) {
                errors.push(syn::Error::new_spanned(
                    &field.ty,
                    "a #[secret] field must be `String` or `Option<String>`: its config entry holds the secret's name and the field receives the secret's value",
                ));
            }
            FieldKind::Secret { optional }
        } else {
            FieldKind::Value {
                inner: Box::new(inner.clone()),
                optional,
            }
        };
        fields.push(ConfigField { ident, key, kind });
    }
    errors.finish()?;
    Ok(ConfigStruct {
        name: input.ident.clone(),
        fields,
    })
}

/// A `#[secret]` field found through [`secret_paths`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretPath {
    /// The dotted config key, e.g. `service.api_key`.
    pub key: String,
    /// The field is `Option<String>`.
    pub optional: bool,
    /// Index (in the slice given to [`secret_paths`]) of the struct that declares the field.
    pub owner: usize,
    /// The Rust field name.
    pub field: String,
    /// Index of the root struct the key is relative to.
    pub root: usize,
}

/// The `#[secret]` fields of every root struct, with dotted keys.
///
/// A root is a struct that no other struct of the set uses as a field type. A field whose
/// type names a struct of the set (`service: Service`, `Option<Service>`) is a nested table:
/// its secrets get the field's key as a prefix. Names are matched by their last segment, so
/// two structs of the same name in different modules are both followed. Recursion stops at
/// a depth of 16 (a cycle cannot be a finite config anyway).
pub fn secret_paths(structs: &[ConfigStruct]) -> Vec<SecretPath> {
    let nested: Vec<String> = structs
        .iter()
        .flat_map(|s| s.fields.iter().filter_map(ConfigField::type_name))
        .collect();
    let mut out = Vec::new();
    for (root, s) in structs.iter().enumerate() {
        if !nested.contains(&s.name.to_string()) {
            walk(structs, root, root, "", 0, &mut out);
        }
    }
    out
}

fn walk(
    structs: &[ConfigStruct],
    root: usize,
    at: usize,
    prefix: &str,
    depth: usize,
    out: &mut Vec<SecretPath>,
) {
    if depth > 16 {
        return;
    }
    for f in &structs[at].fields {
        let key = if prefix.is_empty() {
            f.key.clone()
        } else {
            format!("{prefix}.{}", f.key)
        };
        match &f.kind {
            FieldKind::Secret { optional } => out.push(SecretPath {
                key,
                optional: *optional,
                owner: at,
                field: f.ident.to_string(),
                root,
            }),
            FieldKind::Value { .. } => {
                let Some(name) = f.type_name() else { continue };
                for (i, s) in structs.iter().enumerate() {
                    if s.name == name {
                        walk(structs, root, i, &key, depth + 1, out);
                    }
                }
            }
        }
    }
}

#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

fn secret_attr(attrs: &[Attribute], errors: &mut Errors) -> bool {
    let mut found = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("secret")) {
        if !matches!(attr.meta, syn::Meta::Path(_)) {
            errors.push(syn::Error::new_spanned(
                attr,
                "#[secret] takes no arguments: write `#[secret]`; the secret's name is the value of the field's config entry",
            ));
        } else if found {
            errors.push(syn::Error::new_spanned(attr, "duplicate #[secret]"));
        }
        found = true;
    }
    found
}

/// Skips the value of a serde item this crate does not interpret.
fn skip(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
        meta.input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// `name = "x"` or `name(deserialize = "x", serialize = "y")`: the deserialize side.
fn deserialize_name(meta: &ParseNestedMeta) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(syn::Token![=]) {
        return Ok(Some(meta.value()?.parse()?));
    }
    let mut out = None;
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("deserialize") {
            out = Some(inner.value()?.parse()?);
            Ok(())
        } else {
            skip(&inner)
        }
    })?;
    Ok(out)
}

fn serde_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("serde"))
}

fn container_attrs(attrs: &[Attribute], errors: &mut Errors) -> Option<RenameRule> {
    let mut rule = None;
    for attr in serde_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let name = meta.path.get_ident().map(ToString::to_string);
            match name.as_deref() {
                Some("rename_all") => {
                    if let Some(lit) = deserialize_name(&meta)? {
                        match RenameRule::parse(&lit.value()) {
                            Some(r) => rule = Some(r),
                            None => errors.push(syn::Error::new_spanned(
                                &lit,
                                format!("unknown rename_all rule `{}`; serde accepts {}", lit.value(), RenameRule::NAMES),
                            )),
                        }
                    }
                    Ok(())
                }
                Some(n @ ("transparent" | "from" | "try_from" | "remote")) => {
                    errors.push(syn::Error::new_spanned(
                        &meta.path,
                        format!("#[serde({n})] is not supported on an AppConfig struct: its fields are the config keys"),
                    ));
                    skip(&meta)
                }
                _ => skip(&meta),
            }
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    rule
}

#[derive(Default)]
struct FieldSerde {
    rename: Option<String>,
    skipped: bool,
}

fn field_serde_attrs(attrs: &[Attribute], secret: bool, errors: &mut Errors) -> FieldSerde {
    let mut out = FieldSerde::default();
    for attr in serde_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let name = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match name.as_str() {
                "rename" => {
                    if let Some(lit) = deserialize_name(&meta)? {
                        out.rename = Some(lit.value());
                    }
                    Ok(())
                }
                "flatten" => {
                    errors.push(syn::Error::new_spanned(
                        &meta.path,
                        "#[serde(flatten)] is not supported in an AppConfig struct: config entries are dotted keys; use a nested table (a field whose type is a struct)",
                    ));
                    skip(&meta)
                }
                "skip" | "skip_deserializing" if !secret => {
                    out.skipped = true;
                    skip(&meta)
                }
                "default" | "skip_serializing" | "skip_serializing_if" | "serialize_with" => {
                    skip(&meta)
                }
                other if secret => {
                    errors.push(syn::Error::new_spanned(
                        &meta.path,
                        format!("#[serde({other})] is not supported on a #[secret] field: only `rename` and `default` are; the secret's name must sit under one known key and the field must receive the secret's value as it is"),
                    ));
                    skip(&meta)
                }
                _ => skip(&meta),
            }
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    out
}

/// `Option<T>` → (`T`, true); anything else → (itself, false).
fn strip_option(ty: &Type) -> (&Type, bool) {
    if let Type::Path(p) = ty {
        if let Some(last) = p.path.segments.last() {
            if last.ident == "Option" {
                if let PathArguments::AngleBracketed(args) = &last.arguments {
                    if let (1, Some(GenericArgument::Type(inner))) =
                        (args.args.len(), args.args.first())
                    {
                        return (inner, true);
                    }
                }
            }
        }
    }
    (ty, false)
}

fn is_string(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "String" && s.arguments.is_empty()))
}

/// serde's `rename_all` rules, applied to a snake_case field name as serde applies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl RenameRule {
    const NAMES: &'static str = "\"lowercase\", \"UPPERCASE\", \"PascalCase\", \"camelCase\", \"snake_case\", \"SCREAMING_SNAKE_CASE\", \"kebab-case\", \"SCREAMING-KEBAB-CASE\"";

    fn parse(s: &str) -> Option<RenameRule> {
        Some(match s {
            "lowercase" => RenameRule::Lower,
            "UPPERCASE" => RenameRule::Upper,
            "PascalCase" => RenameRule::Pascal,
            "camelCase" => RenameRule::Camel,
            "snake_case" => RenameRule::Snake,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
            "kebab-case" => RenameRule::Kebab,
            "SCREAMING-KEBAB-CASE" => RenameRule::ScreamingKebab,
            _ => return None,
        })
    }

    fn apply(self, field: &str) -> String {
        match self {
            RenameRule::Lower | RenameRule::Snake => field.to_string(),
            RenameRule::Upper | RenameRule::ScreamingSnake => field.to_ascii_uppercase(),
            RenameRule::Pascal => pascal(field),
            RenameRule::Camel => {
                let p = pascal(field);
                let mut chars = p.chars();
                chars.next().map_or_else(String::new, |c| {
                    c.to_ascii_lowercase().to_string() + chars.as_str()
                })
            }
            RenameRule::Kebab => field.replace('_', "-"),
            RenameRule::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

fn pascal(field: &str) -> String {
    let mut out = String::new();
    let mut capitalize = true;
    for c in field.chars() {
        if c == '_' {
            capitalize = true;
        } else if capitalize {
            out.push(c.to_ascii_uppercase());
            capitalize = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
