//! The executor an app's futures run on. On Fastly most platform calls block until they are
//! done; a future waits for a timer, for an outbound request in flight ([`wait_for_io`]:
//! several run at once), or yields to let another branch of a `select`/`join` run.
//! [`block_on`] polls, and when nothing woke it sleeps until the earliest timer is due, or
//! for [`IO_POLL`] while requests are in flight, and polls them again.

use std::cell::RefCell;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

thread_local! {
    /// The timers waiting, each with the waker to call when it is due.
    static TIMERS: RefCell<Vec<(Instant, Waker)>> = const { RefCell::new(Vec::new()) };
    /// The futures waiting for an outbound request in flight.
    static IO: RefCell<Vec<Waker>> = const { RefCell::new(Vec::new()) };
}

/// How long the executor sleeps between two polls of the requests in flight.
pub const IO_POLL: Duration = Duration::from_micros(500);

/// Called by a future whose outbound request is still in flight: it is polled again after
/// [`IO_POLL`] (or sooner, when something else wakes the executor).
pub fn wait_for_io(cx: &Context<'_>) {
    IO.with(|io| io.borrow_mut().push(cx.waker().clone()));
}

struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Runs `future` to completion on this thread.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let flag = Arc::new(Flag(AtomicBool::new(false)));
    let waker = Waker::from(Arc::clone(&flag));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        if flag.0.swap(false, Ordering::SeqCst) {
            continue;
        }
        wait_for_timers();
    }
}

/// Sleeps until the earliest timer is due, then wakes every timer that is. With no timer
/// waiting, nothing could ever wake the future: it is polled again after a short pause
/// rather than never.
fn wait_for_timers() {
    let mut next = TIMERS.with(|t| t.borrow().iter().map(|(at, _)| *at).min());
    let now = Instant::now();
    let io: Vec<Waker> = IO.with(|io| io.borrow_mut().drain(..).collect());
    if !io.is_empty() {
        next = Some(next.map_or(now + IO_POLL, |at| at.min(now + IO_POLL)));
    }
    match next {
        Some(at) if at > now => std::thread::sleep(at - now),
        Some(_) => {}
        None => std::thread::sleep(Duration::from_millis(1)),
    }
    let now = Instant::now();
    let due: Vec<Waker> = TIMERS.with(|t| {
        let mut timers = t.borrow_mut();
        let (due, waiting): (Vec<_>, Vec<_>) = timers.drain(..).partition(|(at, _)| *at <= now);
        *timers = waiting;
        due.into_iter().map(|(_, w)| w).collect()
    });
    for waker in due.into_iter().chain(io) {
        waker.wake();
    }
}

/// A future that completes once `deadline` has passed.
struct Sleep {
    deadline: Instant,
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        let deadline = self.deadline;
        TIMERS.with(|t| t.borrow_mut().push((deadline, cx.waker().clone())));
        Poll::Pending
    }
}

/// The timer installed into `edgezero_core::timer`.
pub fn sleep(duration: Duration) -> Option<edgezero_core::timer::Sleep> {
    Some(Box::pin(Sleep {
        deadline: Instant::now() + duration,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::future::{select, Either};

    #[test]
    fn runs_ready_futures_and_waits_for_timers() {
        assert_eq!(block_on(async { 7 }), 7);
        let started = Instant::now();
        block_on(async {
            sleep(Duration::from_millis(30)).unwrap().await;
        });
        assert!(started.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn the_earlier_timer_of_a_select_wins() {
        let out = block_on(async {
            let slow = sleep(Duration::from_secs(5)).unwrap();
            let fast = sleep(Duration::from_millis(10)).unwrap();
            match select(slow, fast).await {
                Either::Left(_) => "slow",
                Either::Right(_) => "fast",
            }
        });
        assert_eq!(out, "fast");
        // The losing timer is left behind; a later run is not held up by it.
        let started = Instant::now();
        block_on(async { sleep(Duration::from_millis(1)).unwrap().await });
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn futures_waiting_for_io_are_polled_again_and_run_together() {
        // Three "requests" that are done after 50 ms each, polled as in flight: together
        // they take about 50 ms, not 150.
        let started = Instant::now();
        let done_at = started + Duration::from_millis(50);
        let request = || {
            std::future::poll_fn(move |cx| {
                if Instant::now() >= done_at {
                    Poll::Ready(())
                } else {
                    wait_for_io(cx);
                    Poll::Pending
                }
            })
        };
        block_on(futures_util::future::join3(request(), request(), request()));
        assert!(
            started.elapsed() < Duration::from_millis(140),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_yielding_future_is_polled_again_at_once() {
        let n = block_on(async {
            let mut n = 0;
            for _ in 0..100 {
                edgezero_core::store::atomic::yield_now().await;
                n += 1;
            }
            n
        });
        assert_eq!(n, 100);
    }
}
