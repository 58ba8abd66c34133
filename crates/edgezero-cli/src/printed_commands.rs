//! Every `edgezero` command the project prints or documents parses as printed: the commands
//! quoted in the string literals of the framework's, the CLI's and the examples' sources
//! (hints in error messages, `--help` examples) and the shell blocks of the docs. A hint that
//! ends in a usage error teaches the user nothing.
//!
//! Placeholders are filled in before parsing: `{...}` (a `format!` argument) and `<...>` (a
//! value the user picks) become a plain word.

use std::path::{Path, PathBuf};

use clap::error::ErrorKind;
use clap::Parser;

use crate::Cli;

/// Where a command was found, and the command.
struct Found {
    place: String,
    command: String,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file under `dir` whose name ends in `ext`, skipping build output and test trees
/// (tests quote bad commands on purpose).
fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !matches!(name.as_ref(), "target" | "tests" | "node_modules")
                && !name.starts_with('.')
            {
                files(&path, ext, out);
            }
        } else if name.ends_with(ext) {
            out.push(path);
        }
    }
}

/// The `` `edgezero ...` `` spans of the string literals of a Rust source (comments skipped).
fn from_rust(path: &Path, text: &str, out: &mut Vec<Found>) {
    for (n, line) in text.lines().enumerate() {
        // A file's unit tests (at its end) quote commands to test with, not to print.
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        if line.trim_start().starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("`edgezero ") {
            let after = &rest[at + 1..];
            let Some(end) = after.find('`') else { break };
            out.push(Found {
                place: format!("{}:{}", path.display(), n + 1),
                command: after[..end].to_string(),
            });
            rest = &after[end + 1..];
        }
    }
}

/// The command lines of the shell blocks of a Markdown file: lines starting with
/// `edgezero ` or `cargo run -p edgezero-cli -- `, continued over trailing backslashes.
fn from_markdown(path: &Path, text: &str, out: &mut Vec<Found>) {
    let mut in_shell = false;
    let mut pending: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(lang) = trimmed.strip_prefix("```") {
            in_shell = !in_shell && matches!(lang, "sh" | "bash" | "shell" | "console");
            continue;
        }
        if !in_shell {
            continue;
        }
        let line = trimmed.strip_prefix("$ ").unwrap_or(trimmed);
        let (start, piece) = match pending.take() {
            Some((start, mut so_far)) => {
                so_far.push(' ');
                so_far.push_str(line);
                (start, so_far)
            }
            None => {
                let command = if let Some(args) = line.strip_prefix("cargo run -p edgezero-cli -- ")
                {
                    format!("edgezero {args}")
                } else if line.starts_with("edgezero ") {
                    line.to_string()
                } else {
                    continue;
                };
                (n, command)
            }
        };
        match piece.strip_suffix('\\') {
            Some(head) => pending = Some((start, head.trim_end().to_string())),
            None => out.push(Found {
                place: format!("{}:{}", path.display(), start + 1),
                command: piece,
            }),
        }
    }
}

/// Splits a command line as a shell would (plain words, '...' and "..." quoting), dropping
/// a trailing `# comment`, and fills in placeholders.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '#') if !in_word => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    let mut filled: Vec<String> = Vec::with_capacity(words.len());
    for w in &words {
        let value = fill_placeholders(w);
        // A placeholder for the platform stands for one that exists.
        let value = match filled.last() {
            Some(flag) if flag == "--adapter" && value != *w => "spin".to_string(),
            _ => value,
        };
        filled.push(value);
    }
    filled
}

/// `{...}` and `<...>` become `x`.
fn fill_placeholders(word: &str) -> String {
    let mut out = String::new();
    let mut depth: Option<char> = None;
    for c in word.chars() {
        match (depth, c) {
            (None, '{') => depth = Some('}'),
            (None, '<') => depth = Some('>'),
            (Some(close), c) if c == close => {
                depth = None;
                out.push('x');
            }
            (Some(_), _) => {}
            (None, c) => out.push(c),
        }
    }
    out
}

fn all_commands() -> Vec<Found> {
    let root = repo_root();
    let mut found = Vec::new();
    let mut sources = Vec::new();
    for dir in ["crates", "examples"] {
        files(&root.join(dir), ".rs", &mut sources);
    }
    // This file's own test data quotes commands that must not parse.
    sources.retain(|p| !p.ends_with("edgezero-cli/src/printed_commands.rs"));
    for path in sources {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        from_rust(&path, &text, &mut found);
    }
    let mut docs = vec![root.join("README.md")];
    files(&root.join("docs"), ".md", &mut docs);
    files(
        &root.join("crates/edgezero-cli/templates"),
        ".md",
        &mut docs,
    );
    for path in docs {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        from_markdown(&path, &text, &mut found);
    }
    found
}

#[test]
fn every_printed_and_documented_command_parses() {
    let found = all_commands();
    assert!(
        found.len() >= 20,
        "the scan found only {} commands: is it still reading the sources?",
        found.len()
    );
    let mut failures = Vec::new();
    for Found { place, command } in &found {
        // `edgezero {}`: a message that shows a command it was given, not one it suggests.
        if command
            .split_whitespace()
            .nth(1)
            .is_none_or(|w| w.starts_with('{'))
        {
            continue;
        }
        let argv = words(command);
        if let Err(e) = Cli::try_parse_from(&argv) {
            if !matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                failures.push(format!("{place}: `{command}`\n  {}", e.kind()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "printed commands that do not parse:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_scanner_finds_hints_and_shell_lines_and_fills_placeholders() {
    let mut found = Vec::new();
    from_rust(
        Path::new("a.rs"),
        "// `edgezero skipped`\nlet m = \"run `edgezero serve --adapter {adapter}` or `edgezero new <name>`\";\n#[cfg(test)]\nlet t = \"`edgezero after tests`\";",
        &mut found,
    );
    from_markdown(
        Path::new("a.md"),
        "`edgezero prose`\n```sh\n$ edgezero build --adapter spin \\\n    --manifest x.toml   # why\ncargo run -p edgezero-cli -- serve\necho edgezero\n```\n```toml\nedgezero = 1\n```",
        &mut found,
    );
    let commands: Vec<Vec<String>> = found.iter().map(|f| words(&f.command)).collect();
    assert_eq!(
        commands,
        [
            vec!["edgezero", "serve", "--adapter", "spin"],
            vec!["edgezero", "new", "x"],
            vec![
                "edgezero",
                "build",
                "--adapter",
                "spin",
                "--manifest",
                "x.toml"
            ],
            vec!["edgezero", "serve"],
        ]
    );
    assert_eq!(found[2].place, "a.md:3");
    assert!(Cli::try_parse_from(words("edgezero config push")).is_err());
    assert!(Cli::try_parse_from(words("edgezero config push --adapter spin --local")).is_ok());
}
