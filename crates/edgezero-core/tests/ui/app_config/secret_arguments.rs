#[derive(serde::Deserialize, edgezero_core::AppConfig)]
struct Settings {
    #[secret(name = "API_TOKEN")]
    api_token: String,
}

fn main() {}
