edgezero_core::app!("../../../../crates/edgezero-core/tests/ui/does_not_exist.toml");

fn main() {}
