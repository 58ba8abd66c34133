//! Config push to Fermyon Cloud through `spin cloud key-value set`, in argument batches.

use std::process::Command;

use anyhow::{bail, Result};

/// Largest total size of one invocation's arguments.
pub const MAX_BATCH_BYTES: usize = 96 * 1024;

/// The fixed arguments of every invocation.
pub fn base_args(app: &str, label: &str) -> Vec<String> {
    ["cloud", "key-value", "set", "--app", app, "--label", label]
        .map(String::from)
        .to_vec()
}

/// Splits entries into `KEY=VALUE` argument batches whose whole argv (with the fixed
/// arguments) stays within [`MAX_BATCH_BYTES`]. Keys containing `=` are refused, since Spin
/// splits each pair on the first `=`.
pub fn batches(app: &str, label: &str, entries: &[(String, String)]) -> Result<Vec<Vec<String>>> {
    let fixed: usize = base_args(app, label)
        .iter()
        .map(|a| a.len() + 1)
        .sum::<usize>()
        + "spin".len()
        + 1;
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut size = fixed;
    for (k, v) in entries {
        if k.contains('=') {
            bail!("config key `{k}` contains `=`; `spin cloud key-value set` splits KEY=VALUE on the first `=`, so rename the key");
        }
        let pair = format!("{k}={v}");
        let cost = pair.len() + 1;
        if fixed + cost > MAX_BATCH_BYTES {
            bail!("config entry `{k}` is {} bytes, more than one `spin cloud key-value set` call can carry ({MAX_BATCH_BYTES} bytes)", pair.len());
        }
        if size + cost > MAX_BATCH_BYTES {
            out.push(std::mem::take(&mut current));
            size = fixed;
        }
        size += cost;
        current.push(pair);
    }
    if !current.is_empty() {
        out.push(current);
    }
    Ok(out)
}

/// What to tell the user when `spin cloud` fails.
pub fn hint(stderr: &str, app: &str, label: &str) -> String {
    let lower = stderr.to_ascii_lowercase();
    if lower.contains("login")
        || lower.contains("log in")
        || lower.contains("not logged")
        || lower.contains("authenticat")
        || lower.contains("token")
    {
        "you are not logged in to Fermyon Cloud; run `spin cloud login` and push again".to_string()
    } else if lower.contains("link")
        || lower.contains("label")
        || lower.contains("no such store")
        || lower.contains("not found")
    {
        format!(
            "the label `{label}` is not linked to a key-value store of app `{app}`; run `spin cloud link key-value {label} --app {app} --store <STORE>` (create the store with `spin cloud key-value create <STORE>`) and push again"
        )
    } else {
        "see the output of `spin cloud` above".to_string()
    }
}

/// Runs every batch; stops at the first failure and says exactly which keys were written,
/// which were not, and how to resume (`resume` is the command line that repeats the push).
pub fn push(
    spin: &str,
    app: &str,
    label: &str,
    entries: &[(String, String)],
    resume: &str,
) -> Result<usize> {
    let batches = batches(app, label, entries)?;
    // indicatif draws nothing when stderr is not a terminal.
    let bar = indicatif::ProgressBar::new(entries.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} entries")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(format!("spin cloud key-value set --label {label}"));
    let mut written = 0;
    for batch in &batches {
        let out = Command::new(spin)
            .args(base_args(app, label))
            .args(batch)
            .output();
        let out = match out {
            Ok(o) => o,
            Err(e) => {
                bar.abandon();
                bail!(
                    "cannot run `{spin}`: {e}; install the Spin CLI from https://spinframework.dev/install and the cloud plugin with `spin plugins install cloud`{}",
                    progress(entries, written, resume)
                )
            }
        };
        if !out.status.success() {
            bar.abandon();
            let stderr = String::from_utf8_lossy(&out.stderr);
            eprint!("{stderr}");
            bail!(
                "`spin cloud key-value set` failed: {}{}",
                hint(&stderr, app, label),
                progress(entries, written, resume)
            );
        }
        written += batch.len();
        bar.inc(batch.len() as u64);
    }
    bar.finish_and_clear();
    Ok(written)
}

/// What a failed push wrote and did not write, and how to resume it.
fn progress(entries: &[(String, String)], written: usize, resume: &str) -> String {
    let keys = |range: &[(String, String)]| -> String {
        let names: Vec<String> = range
            .iter()
            .take(20)
            .map(|(k, _)| format!("{:?}", k))
            .collect();
        let more = range.len().saturating_sub(20);
        if more > 0 {
            format!("{} and {more} more", names.join(", "))
        } else {
            names.join(", ")
        }
    };
    let Some((first_unwritten, _)) = entries.get(written) else {
        return String::new();
    };
    format!(
        "\nwritten ({written} of {}): {}\nnot written ({}): {}\nentries are pushed in key order; to resume from {first_unwritten:?} once the cause is fixed, run:\n  {resume} --from-key {}",
        entries.len(),
        if written == 0 { "none".to_string() } else { keys(&entries[..written]) },
        entries.len() - written,
        keys(&entries[written..]),
        shell_word(first_unwritten),
    )
}

fn shell_word(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_stay_under_the_limit_and_keep_every_entry() {
        let entries: Vec<(String, String)> = (0..300)
            .map(|i| (format!("key.{i}"), "v".repeat(1000)))
            .collect();
        let b = batches("app", "cfg", &entries).unwrap();
        assert!(b.len() >= 3);
        let fixed: usize = base_args("app", "cfg")
            .iter()
            .map(|a| a.len() + 1)
            .sum::<usize>()
            + 5;
        for batch in &b {
            let size: usize = fixed + batch.iter().map(|a| a.len() + 1).sum::<usize>();
            assert!(size <= MAX_BATCH_BYTES, "{size}");
        }
        let all: Vec<String> = b.concat();
        assert_eq!(all.len(), 300);
        assert_eq!(all[299], format!("key.299={}", "v".repeat(1000)));
    }

    #[test]
    fn refuses_keys_with_equals_and_oversized_entries() {
        assert!(batches("a", "l", &[("a=b".into(), "v".into())])
            .unwrap_err()
            .to_string()
            .contains("`a=b`"));
        assert!(batches("a", "l", &[("big".into(), "x".repeat(MAX_BATCH_BYTES))]).is_err());
    }

    #[test]
    fn hints() {
        assert!(hint("Error: not logged in", "a", "l").contains("spin cloud login"));
        assert!(hint("label 'cfg' is not linked", "app", "cfg")
            .contains("spin cloud link key-value cfg --app app --store"));
    }
}
