//! Serves the proxy example natively: `cargo run -p proxy-adapter-native -- --listen 127.0.0.1:8787`
//! (after `edgezero config push --local` of config/app_config.toml, or through
//! `edgezero serve --adapter native`, which also applies edgezero.toml's `[environment]`).

fn main() -> std::process::ExitCode {
    edgezero_adapter_native::run_app::<proxy_core::App>()
}
