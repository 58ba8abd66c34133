//! The core timer ([`edgezero_core::timer`]) on Spin: `wasi:clocks/monotonic-clock`'s
//! `wait-for` (WASI 0.3), an async call that lets the instance serve other work meanwhile.
//! It drives SSE keep-alive comments and apps' pauses.

use std::time::Duration;

use edgezero_core::timer::Sleep;
use spin_sdk::wasip3::clocks::monotonic_clock;

/// Installs the timer for this component instance (once; later calls change nothing).
pub(super) fn install() {
    edgezero_core::timer::set_timer(wait_for);
}

fn wait_for(duration: Duration) -> Option<Sleep> {
    let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
    Some(Box::pin(monotonic_clock::wait_for(nanos)))
}
