//! Shared by the property tests.

use proptest::test_runner::Config;

/// 1000 cases, unless `PROPTEST_CASES` asks for another number (proptest parses it).
pub fn config() -> Config {
    if std::env::var_os("PROPTEST_CASES").is_some() {
        Config::default()
    } else {
        Config::with_cases(1000)
    }
}
