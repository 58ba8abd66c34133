//! Serves the counter example natively: `cargo run -p counter-adapter-native -- --listen 127.0.0.1:8787`.

fn main() -> std::process::ExitCode {
    edgezero_adapter_native::run_app::<counter_core::App>()
}
