use edgezero_core::app_config::ConfigSchema;
use serde::Deserialize;

#[derive(Deserialize, edgezero_core::AppConfig)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Settings {
    base_url: String,
    service: Service,
    backup: Option<Service>,
    #[secret]
    api_token: String,
    #[secret]
    #[serde(rename = "hook", default)]
    webhook_key: Option<String>,
}

#[derive(Deserialize, edgezero_core::AppConfig)]
struct Service {
    #[secret]
    key: std::string::String,
}

fn main() {
    let keys: Vec<String> = Settings::secret_fields().into_iter().map(|f| f.key).collect();
    assert_eq!(keys, ["service.key", "backup.key", "apiToken", "hook"]);
}
