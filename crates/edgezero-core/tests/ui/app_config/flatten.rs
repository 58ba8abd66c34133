#[derive(serde::Deserialize)]
struct Service {
    timeout_ms: u64,
}

#[derive(serde::Deserialize, edgezero_core::AppConfig)]
struct Settings {
    #[serde(flatten)]
    service: Service,
}

fn main() {}
