edgezero_core::app!("../../../../crates/edgezero-core/tests/ui/unknown_handler.toml");

mod handlers {
    pub async fn hello() -> &'static str {
        "hi"
    }
}

fn main() {}
