#[derive(serde::Deserialize, edgezero_core::AppConfig)]
struct Settings {
    #[secret]
    #[serde(alias = "token")]
    api_token: String,
}

fn main() {}
