//! Serves the kv-api example natively: `cargo run -p kv-api-adapter-native -- --listen 127.0.0.1:8787`.

fn main() -> std::process::ExitCode {
    edgezero_adapter_native::run_app::<kv_api_core::App>()
}
