//! This process's memory as Linux reports it in `/proc/self`, for the tests that check a
//! large body streams through a server in bounded memory: reset the peak, move the body,
//! read the peak again.
//!
//! ```no_run
//! use edgezero_test_support::process_memory::{memory_kib, reset_peak_memory};
//!
//! reset_peak_memory();
//! let before = memory_kib("VmRSS:");
//! // ... stream 50 MiB through the server under test ...
//! let grew = memory_kib("VmHWM:").saturating_sub(before);
//! assert!(grew < 16 * 1024, "the body was buffered: the peak grew by {grew} KiB");
//! ```

/// `VmRSS` (resident now) or `VmHWM` (the peak) of this process, in KiB (Linux). `field`
/// is the line's name with its colon, e.g. `"VmHWM:"`.
///
/// # Panics
/// When `/proc/self/status` cannot be read or has no such field (not Linux).
pub fn memory_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .expect("read /proc/self/status")
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

/// Resets this process's peak (`VmHWM`) to its current RSS (Linux `clear_refs` 5), so that
/// a body buffered and freed again after this still shows in the peak.
pub fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
