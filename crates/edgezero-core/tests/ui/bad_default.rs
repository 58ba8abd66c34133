edgezero_core::app!("../../../../crates/edgezero-core/tests/ui/bad_default.toml");

fn main() {}
