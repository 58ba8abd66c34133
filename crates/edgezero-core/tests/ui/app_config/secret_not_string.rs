#[derive(serde::Deserialize, edgezero_core::AppConfig)]
struct Settings {
    #[secret]
    api_token: u64,
}

fn main() {}
