//! Serves the url-shortener example natively: `cargo run -p url-shortener-adapter-native -- --listen 127.0.0.1:8787`.

fn main() -> std::process::ExitCode {
    edgezero_adapter_native::run_app::<url_shortener_core::App>()
}
