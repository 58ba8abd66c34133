//! Serves the kv-explorer example natively:
//! `cargo run -p kv-explorer-adapter-native -- --listen 127.0.0.1:8787`, then open
//! <http://127.0.0.1:8787/internal/kv-explorer/>.
//!
//! `set-credentials [USER:PASSWORD]` stores the explorer's credentials in the server's KV
//! file (`--kv-path` / `EDGEZERO__ADAPTER__KV_PATH`, default `.edgezero/sqlite_key_value.db`)
//! and exits. Without an argument it reads them from the first line of standard input, so
//! they stay out of the shell history and the process list.

use std::io::BufRead;
use std::process::ExitCode;

use edgezero_adapter_native::{ServerConfig, ServerConfigError};
use edgezero_core::env::{process_env, resolve_store_name, StoreKind};
use edgezero_spin_sqlite::SqliteKvError;
use kv_explorer_core::guard::{check_credentials, CredentialsError};
use kv_explorer_core::{CREDENTIALS_KEY, CREDENTIALS_STORE};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() != Some("set-credentials") {
        return edgezero_adapter_native::run_app::<kv_explorer_core::App>();
    }
    match set_credentials(args.collect()) {
        Ok(message) => {
            eprintln!("{message}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Why `set-credentials` stored nothing.
#[derive(Debug, thiserror::Error)]
enum SetCredentialsError {
    /// A flag or `EDGEZERO__*` variable is invalid.
    #[error(transparent)]
    Settings(#[from] ServerConfigError),
    /// Standard input could not be read.
    #[error("cannot read standard input: {0}")]
    Stdin(#[source] std::io::Error),
    /// The credentials are not `user:password`.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The KV file could not be opened or written.
    #[error(transparent)]
    Store(#[from] SqliteKvError),
}

fn set_credentials(mut args: Vec<String>) -> Result<String, SetCredentialsError> {
    let given = match args.first() {
        Some(first) if !first.starts_with("--") => Some(args.remove(0)),
        _ => None,
    };
    let config = ServerConfig::from_env(&process_env)?.apply_args(args)?;
    let credentials = match given {
        Some(c) => c,
        None => {
            eprintln!("user:password for the kv-explorer (one line):");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(SetCredentialsError::Stdin)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    check_credentials(credentials.as_bytes())?;
    let label = resolve_store_name(StoreKind::Kv, CREDENTIALS_STORE, &process_env);
    let conn = edgezero_spin_sqlite::open(&config.kv_path)?;
    edgezero_spin_sqlite::set(&conn, &label, CREDENTIALS_KEY, credentials.as_bytes())?;
    Ok(format!(
        "stored `{CREDENTIALS_KEY}` in store `{label}` of {}",
        config.kv_path.display()
    ))
}
