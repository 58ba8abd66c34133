//! What `config validate` (and `deploy`'s checks) found: errors and warnings, each
//! with the fix in its text. Every platform's checks add to one report.

/// Problems found, each with the fix in its text.
#[derive(Debug, Default)]
pub struct Report {
    /// Errors (non-zero exit).
    pub errors: Vec<String>,
    /// Warnings.
    pub warnings: Vec<String>,
}
