//! Compile-time behaviour: good manifests expand, bad ones are clear compile errors, and so
//! is a handler with two body extractors.
//!
//! The manifests are given relative to trybuild's scratch crate in `<repo>/target/tests/trybuild`.

#[test]
fn app_macro() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/ok.rs");
    t.compile_fail("tests/ui/bad_default.rs");
    t.compile_fail("tests/ui/unknown_handler.rs");
    t.compile_fail("tests/ui/missing_manifest.rs");
    // Two extractors that read the body: a compile error, not a 500 per request.
    t.compile_fail("tests/ui/two_body_extractors.rs");
}
