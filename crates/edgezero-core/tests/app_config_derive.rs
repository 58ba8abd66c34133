//! `#[derive(AppConfig)]` compile-time rules: each broken rule is a compile error at the
//! offending field or attribute, saying what to write instead.

#[test]
fn app_config_derive() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/app_config/ok.rs");
    t.compile_fail("tests/ui/app_config/secret_not_string.rs");
    t.compile_fail("tests/ui/app_config/secret_arguments.rs");
    t.compile_fail("tests/ui/app_config/secret_serde_alias.rs");
    t.compile_fail("tests/ui/app_config/flatten.rs");
    t.compile_fail("tests/ui/app_config/generic.rs");
}
