#[derive(serde::Deserialize, edgezero_core::AppConfig)]
struct Settings<T> {
    value: T,
}

fn main() {}
