//! Shared pieces of the benchmarks: the 50-route table used by both routers.

/// Route patterns in matchit/axum syntax, and a concrete path that hits each.
pub fn route_table() -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for i in 0..20 {
        routes.push((
            format!("/static/section{i}/page"),
            format!("/static/section{i}/page"),
        ));
    }
    for i in 0..15 {
        routes.push((
            format!("/api/v1/resource{i}/{{id}}"),
            format!("/api/v1/resource{i}/42"),
        ));
    }
    for i in 0..10 {
        routes.push((
            format!("/users/{{user}}/items{i}/{{item}}"),
            format!("/users/alice/items{i}/7"),
        ));
    }
    for i in 0..5 {
        routes.push((
            format!("/files{i}/{{*path}}"),
            format!("/files{i}/a/b/c.txt"),
        ));
    }
    routes
}
