//! {{name}} as a Fastly Compute app: `edgezero serve --adapter fastly` runs it locally under
//! Viceroy, `edgezero deploy --adapter fastly` publishes it with the Fastly CLI.

edgezero_adapter_fastly::main!({{crate}}::App);
