//! `edgezero-conformance --adapter <A> <example dir>...`: runs each example's
//! conformance.toml on one adapter; the last line is `N passed, M failed`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use edgezero_conformance::{run_example, Adapter, File, Options, Tally};

/// Runs each example's conformance.toml against `edgezero serve` on one adapter.
#[derive(Debug, Parser)]
#[command(
    after_help = "Examples:\n  edgezero-conformance --adapter native examples/counter examples/kv-api\n  edgezero-conformance --adapter spin --no-build examples/*\n  edgezero-conformance --check examples/*\n\nThe last line is `N passed, M failed` (one count per request). Exit codes: 0 when every\nrequest passed, 1 when one failed or something could not start, 2 for invalid usage."
)]
struct Args {
    /// The platform to serve on.
    #[arg(long, value_enum, required_unless_present = "check")]
    adapter: Option<Adapter>,

    /// The `edgezero` binary (default: the one next to this binary, else `edgezero` on PATH).
    #[arg(long, value_name = "PATH")]
    edgezero: Option<PathBuf>,

    /// Spin: serve the components as built (pass `--no-build` to `edgezero serve`).
    #[arg(long)]
    no_build: bool,

    /// Seconds a server may take to start (a first native run compiles the example).
    #[arg(long, value_name = "SECS", default_value_t = 900)]
    wait: u64,

    /// Seconds one answer may take.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,

    /// Only read and check the files; serve nothing.
    #[arg(long)]
    check: bool,

    /// Example directories, each with edgezero.toml and conformance.toml.
    #[arg(required = true, value_name = "EXAMPLE_DIR")]
    examples: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.check {
        let mut ok = true;
        for dir in &args.examples {
            match File::load(&dir.join("conformance.toml")) {
                Ok(f) => {
                    let n: usize = f.sessions.iter().map(|s| s.requests.len()).sum();
                    println!("{}: {n} request(s)", f.path.display());
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ok = false;
                }
            }
        }
        return if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    let Some(adapter) = args.adapter else {
        return ExitCode::from(2);
    };
    edgezero_conformance::server::stop_all_on_ctrl_c();
    let opts = Options {
        adapter,
        edgezero: args.edgezero.unwrap_or_else(default_edgezero),
        build: !args.no_build,
        wait: Duration::from_secs(args.wait),
        timeout: Duration::from_secs(args.timeout),
    };
    let mut total = Tally::default();
    let mut stdout = std::io::stdout();
    for dir in &args.examples {
        total += run_example(dir, &opts, &mut stdout);
    }
    if total.skipped > 0 {
        println!(
            "({} request(s) skipped on {} by exceptions in the files)",
            total.skipped,
            adapter.name()
        );
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 || total.broken {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `edgezero` next to this binary (both built into the same target directory), else PATH.
fn default_edgezero() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("edgezero")))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("edgezero"))
}
