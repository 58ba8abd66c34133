//! Serves the site example natively: `edgezero serve --adapter native` in examples/site.

fn main() -> std::process::ExitCode {
    edgezero_adapter_native::run_app::<site_core::App>()
}
