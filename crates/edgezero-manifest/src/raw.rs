//! The serde shape of the file. Spans are kept where validation needs them.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManifest {
    pub app: Spanned<RawApp>,
    #[serde(default)]
    pub triggers: Option<RawTriggers>,
    #[serde(default)]
    pub stores: Option<RawStores>,
    #[serde(default)]
    pub adapters: BTreeMap<Spanned<String>, RawAdapter>,
    #[serde(default)]
    pub environment: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApp {
    pub name: Spanned<String>,
    #[serde(default)]
    pub middleware: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTriggers {
    #[serde(default)]
    pub http: Vec<Spanned<RawHttpTrigger>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttpTrigger {
    pub path: Spanned<String>,
    #[serde(default)]
    pub methods: Option<Vec<Spanned<String>>>,
    pub handler: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStores {
    pub kv: Option<Spanned<RawStore>>,
    pub config: Option<Spanned<RawStore>>,
    pub secrets: Option<Spanned<RawStore>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    pub ids: Spanned<Vec<Spanned<String>>>,
    pub default: Option<Spanned<String>>,
    pub file: Option<Spanned<String>>,
    pub files: Option<Spanned<BTreeMap<Spanned<String>, Spanned<String>>>>,
    pub names: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdapter {
    #[serde(default)]
    pub adapter: Option<RawAdapterSettings>,
    #[serde(default)]
    pub commands: Option<RawCommands>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdapterSettings {
    #[serde(rename = "crate")]
    pub crate_dir: Option<Spanned<String>>,
    pub manifest: Option<Spanned<String>>,
    pub component: Option<Spanned<String>>,
    pub host: Option<Spanned<String>>,
    pub port: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCommands {
    pub build: Option<Spanned<String>>,
    pub serve: Option<Spanned<String>>,
    pub deploy: Option<Spanned<String>>,
}
