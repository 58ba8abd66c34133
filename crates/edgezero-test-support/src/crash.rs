//! Load until a kill: clients on their own threads send requests to a server process until
//! it is killed with `SIGKILL` in the middle of the load, and the answers they got are
//! returned, for tests that then check every acknowledged write is in the file.

use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Runs `clients` threads, each calling `request(client, i)` for `i = 0, 1, …` until it
/// answers `None` (the server is gone); kills `server` after `kill_after` of load and returns
/// every answer received before. Panics when fewer than `at_least` requests were answered
/// (a kill before the load got going proves nothing).
pub fn answers_until_killed<T, F>(
    server: &mut Child,
    clients: usize,
    kill_after: Duration,
    at_least: usize,
    request: F,
) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize, usize) -> Option<T> + Send + Sync + 'static,
{
    let stop = Arc::new(AtomicBool::new(false));
    let request = Arc::new(request);
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let (stop, request) = (Arc::clone(&stop), Arc::clone(&request));
            std::thread::spawn(move || {
                let mut answers = Vec::new();
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    match request(c, i) {
                        Some(answer) => answers.push(answer),
                        None => break,
                    }
                }
                answers
            })
        })
        .collect();
    std::thread::sleep(kill_after);
    server.kill().expect("kill the server"); // SIGKILL
    server.wait().expect("wait for the server");
    stop.store(true, Ordering::Relaxed);
    let answers: Vec<T> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("client thread"))
        .collect();
    assert!(
        answers.len() >= at_least,
        "too few answers before the kill: {}",
        answers.len()
    );
    answers
}
