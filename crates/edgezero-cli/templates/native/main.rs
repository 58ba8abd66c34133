//! Serves {{name}} natively: `edgezero serve --adapter native` or `cargo run -p {{name}}-adapter-native`.

fn main() -> std::process::ExitCode {
    edgezero_adapter_native::run_app::<{{crate}}::App>()
}
