//! The `--key-value KEY=VALUE` arguments of `serve` and `deploy`.
//!
//! A command line is visible to every user of the machine (`ps`) for as long as the process
//! runs, so a secret can come from elsewhere: `KEY=@FILE` reads the value from FILE and
//! `KEY=-` from standard input (one `-` per command), both without one trailing newline.
//! `KEY=@@...` is the literal value `@...` (the first `@` dropped).

use std::io::{IsTerminal, Read};
use std::path::Path;

use anyhow::{bail, Context, Result};

/// One `--key-value` argument with its value read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The key.
    pub key: String,
    /// The value: as written, or read from a file or standard input.
    pub value: String,
    /// Whether the value was read from a file or standard input rather than written in the
    /// argument (so it must not be put on another command line unannounced).
    pub read: bool,
}

/// Where one argument's value comes from.
enum Source<'a> {
    Literal(String),
    File(&'a str),
    Stdin,
}

/// Checks every argument, then reads the files and standard input.
pub fn read(args: &[String]) -> Result<Vec<KeyValue>> {
    read_with(args, read_stdin)
}

fn read_with(
    args: &[String],
    stdin: impl FnOnce(&str) -> std::io::Result<Vec<u8>>,
) -> Result<Vec<KeyValue>> {
    let mut parsed = Vec::with_capacity(args.len());
    let mut stdin_key: Option<&str> = None;
    for arg in args {
        let (key, value) = arg
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .with_context(|| {
                format!(
                    "--key-value `{}` must look like KEY=VALUE, KEY=@FILE or KEY=-",
                    arg.escape_debug()
                )
            })?;
        let source = if value == "-" {
            if let Some(first) = stdin_key {
                bail!(
                    "--key-value {key}=- and --key-value {first}=- both read standard input, which holds one value; read the other from a file: {key}=@FILE"
                );
            }
            stdin_key = Some(key);
            Source::Stdin
        } else if let Some(literal) = value.strip_prefix("@@") {
            Source::Literal(format!("@{literal}"))
        } else if let Some(file) = value.strip_prefix('@') {
            if file.is_empty() {
                bail!(
                    "--key-value {key}=@ names no file; write {key}=@FILE to read the value from FILE, or {key}=@@ for the value `@`"
                );
            }
            Source::File(file)
        } else {
            Source::Literal(value.to_string())
        };
        parsed.push((key, source));
    }
    let mut stdin = Some(stdin);
    let mut out = Vec::with_capacity(parsed.len());
    for (key, source) in parsed {
        let (value, read) = match source {
            Source::Literal(v) => (v, false),
            Source::File(file) => {
                let bytes = std::fs::read(Path::new(file)).map_err(|e| {
                    anyhow::anyhow!(
                        "--key-value {key}=@{file}: cannot read {file} ({e}); put the value in that file, or write {key}=@@... for a value that starts with `@`"
                    )
                })?;
                (text(bytes, key, &format!("the file {file}"))?, true)
            }
            Source::Stdin => {
                let read = stdin.take().context("standard input is read once")?;
                let bytes = read(key)
                    .with_context(|| format!("--key-value {key}=-: cannot read standard input"))?;
                (text(bytes, key, "standard input")?, true)
            }
        };
        out.push(KeyValue {
            key: key.to_string(),
            value,
            read,
        });
    }
    Ok(out)
}

/// The value as text, without one trailing newline (`\n` or `\r\n`).
fn text(mut bytes: Vec<u8>, key: &str, from: &str) -> Result<String> {
    if bytes.ends_with(b"\n") {
        bytes.pop();
        if bytes.ends_with(b"\r") {
            bytes.pop();
        }
    }
    String::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!(
            "--key-value {key}: {from} is not UTF-8 text; key-value values given to edgezero are text"
        )
    })
}

/// Standard input to its end; from a terminal, one line after a prompt.
fn read_stdin(key: &str) -> std::io::Result<Vec<u8>> {
    let stdin = std::io::stdin();
    let mut out = Vec::new();
    if stdin.is_terminal() {
        eprintln!("value of --key-value {key} (one line; it is shown as you type):");
        let mut line = String::new();
        stdin.read_line(&mut line)?;
        out = line.into_bytes();
    } else {
        stdin.lock().read_to_end(&mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn kv(key: &str, value: &str, read: bool) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: value.into(),
            read,
        }
    }

    #[test]
    fn values_from_the_argument_a_file_and_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("creds.txt");
        std::fs::write(&file, "admin:s3cret\n\n").unwrap();
        let got = read_with(
            &args(&[
                "a=1=2",
                &format!("creds=@{}", file.display()),
                "token=-",
                "at=@@home",
                "empty=",
            ]),
            |_| Ok(b"from stdin\r\n".to_vec()),
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                kv("a", "1=2", false),
                kv("creds", "admin:s3cret\n", true),
                kv("token", "from stdin", true),
                kv("at", "@home", false),
                kv("empty", "", false),
            ]
        );
    }

    #[test]
    fn errors_say_what_to_do() {
        let no_stdin = |_: &str| -> std::io::Result<Vec<u8>> { panic!("stdin read") };
        let err = |list: &[&str]| format!("{:#}", read_with(&args(list), no_stdin).unwrap_err());
        assert!(err(&["novalue"]).contains("KEY=VALUE, KEY=@FILE or KEY=-"));
        assert!(err(&["=v"]).contains("KEY=VALUE"));
        let two = err(&["a=-", "b=-"]);
        assert!(
            two.contains("both read standard input") && two.contains("b=@FILE"),
            "{two}"
        );
        let missing = err(&["k=@/nonexistent/creds.txt"]);
        assert!(
            missing.contains("cannot read /nonexistent/creds.txt") && missing.contains("@@"),
            "{missing}"
        );
        assert!(err(&["k=@"]).contains("names no file"));
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::write(&bin, [0xff, 0xfe]).unwrap();
        assert!(err(&[&format!("k=@{}", bin.display())]).contains("not UTF-8"));
        // A bad argument after `-` is reported before standard input is read.
        assert!(err(&["a=-", "oops"]).contains("KEY=VALUE"));
    }
}
