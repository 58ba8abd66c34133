//! The platform's timer, for code that must wait: SSE keep-alive comments
//! ([`KeepAlive`](crate::response::sse::KeepAlive)) and apps that pace a stream.
//!
//! Core is portable and has no clock of its own. Each adapter installs its platform's timer
//! once, with [`set_timer`], before it serves: the native adapter tokio's timer, the Spin
//! adapter `wasi:clocks`' `monotonic-clock.wait-for`. Where nothing was installed (an app
//! dispatched by hand, a test harness that installs none), [`sleep`] returns `None`: callers
//! then do without waiting (SSE keep-alive is inactive), never panic.
//!
//! ```
//! use std::time::Duration;
//! use edgezero_core::timer;
//!
//! async fn pause() -> bool {
//!     match timer::sleep(Duration::from_millis(250)) {
//!         Some(sleep) => {
//!             sleep.await;
//!             true
//!         }
//!         None => false, // no timer on this platform
//!     }
//! }
//! # let _ = pause;
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

/// A future that completes once its duration has passed. Not `Send`, like every future of a
/// request (see the crate docs).
pub type Sleep = Pin<Box<dyn Future<Output = ()>>>;

/// A platform timer: a [`Sleep`] of the given duration, or `None` when it cannot make one
/// here (the native timer outside a runtime, say).
pub type Timer = fn(Duration) -> Option<Sleep>;

static TIMER: OnceLock<Timer> = OnceLock::new();

/// Installs the timer of the process (natively) or component instance (on Spin). Adapters
/// call it before serving. The first timer installed stays: this returns false, and changes
/// nothing, when one was installed already.
pub fn set_timer(timer: Timer) -> bool {
    TIMER.set(timer).is_ok()
}

/// Whether a timer is installed.
pub fn has_timer() -> bool {
    TIMER.get().is_some()
}

/// A platform clock: monotonic time since an arbitrary origin.
pub type Clock = fn() -> Duration;

static CLOCK: OnceLock<Clock> = OnceLock::new();

/// Installs the clock of a platform where `std::time::Instant` does not work (a Cloudflare
/// Worker, on `wasm32-unknown-unknown`). Like [`set_timer`], the first one installed stays.
pub fn set_clock(clock: Clock) -> bool {
    CLOCK.set(clock).is_ok()
}

/// Monotonic time since an arbitrary origin (the first call, with `std`'s clock): the
/// installed [`Clock`], else `std::time::Instant`. What core measures intervals with.
pub fn now() -> Duration {
    match CLOCK.get() {
        Some(clock) => clock(),
        None => {
            static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();
            ORIGIN.get_or_init(std::time::Instant::now).elapsed()
        }
    }
}

/// A platform wall clock: time since the Unix epoch.
pub type WallClock = fn() -> Duration;

static WALL_CLOCK: OnceLock<WallClock> = OnceLock::new();

/// Installs the wall clock of a platform where `std::time::SystemTime` does not work (a
/// Cloudflare Worker). Like [`set_timer`], the first one installed stays.
pub fn set_wall_clock(clock: WallClock) -> bool {
    WALL_CLOCK.set(clock).is_ok()
}

/// Time since the Unix epoch: the installed [`WallClock`], else `std::time::SystemTime`;
/// `None` on a platform with neither (`wasm32-unknown-unknown` without an installed clock).
/// What rate-limit windows and session expiry are measured with, so that every instance of
/// an app agrees on them.
pub fn unix_time() -> Option<Duration> {
    if let Some(clock) = WALL_CLOCK.get() {
        return Some(clock());
    }
    if cfg!(all(target_arch = "wasm32", target_os = "unknown")) {
        return None;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
}

/// A future that completes after `duration`, or `None` where no timer is installed.
pub fn sleep(duration: Duration) -> Option<Sleep> {
    TIMER.get().and_then(|timer| timer(duration))
}
