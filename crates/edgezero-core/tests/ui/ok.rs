use edgezero_core::App as _;

edgezero_core::app!("../../../../crates/edgezero-core/tests/ui/ok.toml", routes = extra);

mod handlers {
    pub async fn hello(edgezero_core::extract::Path(name): edgezero_core::extract::Path<String>) -> String {
        name
    }
}

fn extra(router: edgezero_core::Router) -> edgezero_core::Router {
    router.get("/health", || async { "ok" })
}

fn main() {
    assert_eq!(App::name(), "ok");
    assert_eq!(App::stores().kv.default_id(), Some("b"));
    let routes = App::router().route_table();
    assert_eq!(routes.len(), 3, "{routes:?}");
}
