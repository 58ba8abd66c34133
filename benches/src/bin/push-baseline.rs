//! Baseline for `scripts/bench-config-push.sh`: inserts N rows into a Spin key-value file with
//! one prepared statement in one transaction, nothing else. `push-baseline FILE LABEL N`.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, file, label, n] = args.as_slice() else {
        eprintln!("usage: push-baseline FILE LABEL N");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N must be a number");
    let mut conn = rusqlite::Connection::open(file).expect("open");
    conn.execute(edgezero_spin_sqlite::SPIN_SCHEMA, [])
        .expect("schema");
    let tx = conn.transaction().expect("transaction");
    {
        let mut stmt = tx.prepare(edgezero_spin_sqlite::SPIN_SET).expect("prepare");
        for i in 0..n {
            stmt.execute(rusqlite::params![
                label,
                format!("key.{i:05}"),
                format!("value-{i}").as_bytes()
            ])
            .expect("insert");
        }
    }
    tx.commit().expect("commit");
}
