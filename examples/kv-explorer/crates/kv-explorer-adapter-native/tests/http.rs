//! The kv-explorer behind the native server, over real loopback HTTP and a real SQLite file:
//! the credentials, basic auth, cross-site writes, headers, and the API.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{basic, Server, CREDENTIALS};
use kv_explorer_core::guard::{CONTENT_SECURITY_POLICY, WWW_AUTHENTICATE};
use serde_json::json;

#[test]
fn without_credentials_everything_is_403_with_the_how_to() {
    let server = Server::start(None);
    let auth = basic("a:b");
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/app.js"),
        ("GET", "/api/keys"),
        ("PUT", "/api/key/x"),
    ] {
        let resp = server.call(
            method,
            path,
            &[("authorization", &auth), ("x-kv-explorer", "1")],
            b"v",
        );
        assert_eq!(resp.status, 403, "{method} {path}: {}", resp.text());
        assert!(
            resp.text()
                .contains("--key-value kv-credentials=@credentials.txt"),
            "{}",
            resp.text()
        );
        assert_eq!(
            resp.first("content-security-policy"),
            Some(CONTENT_SECURITY_POLICY)
        );
    }
    assert!(server
        .call("GET", "/", &[], b"")
        .first("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(server.stored("x"), None);
}

#[test]
fn basic_auth_cases() {
    let server = Server::start(Some(CREDENTIALS));
    let cases = [
        ("no header", None),
        ("wrong user", Some(basic("mallory:s3cret"))),
        ("wrong password", Some(basic("alice:s3creT"))),
        ("malformed base64", Some("Basic %%%".to_string())),
    ];
    for (what, auth) in &cases {
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("authorization", a.as_str())).collect();
        let resp = server.call("GET", "/api/stores", &headers, b"");
        assert_eq!(resp.status, 401, "{what}: {}", resp.text());
        assert_eq!(
            resp.first("www-authenticate"),
            Some(WWW_AUTHENTICATE),
            "{what}"
        );
        assert_eq!(common::code(&resp), "unauthorized");
    }
    let ok = server.authed("GET", "/api/stores", b"");
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(
        ok.json(),
        json!({"stores": ["default"], "default": "default"})
    );
    assert_eq!(ok.first("cache-control"), Some("no-store"));
}

#[test]
fn the_page_is_served_with_its_policy() {
    let server = Server::start(Some(CREDENTIALS));
    let page = server.call("GET", "/", &[], b"");
    assert_eq!(page.status, 200);
    assert!(page.text().contains(r#"<script src="app.js" defer>"#));
    for (name, value) in [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(page.first(name), Some(value), "{name}");
    }
    let js = server.call("GET", "/app.js", &[], b"");
    assert!(js
        .first("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    let redirect = request_root(&server);
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.first("location"), Some("/internal/kv-explorer/"));
}

fn request_root(server: &Server) -> common::Resp {
    server.call("GET", "", &[], b"")
}

#[test]
fn cross_site_writes_are_refused() {
    let server = Server::start(Some(CREDENTIALS));
    let auth = basic(CREDENTIALS);
    let host = server.addr.to_string();
    let same = format!("http://{host}");
    let no_header = server.call("PUT", "/api/key/k", &[("authorization", &auth)], b"v");
    assert_eq!(no_header.status, 403, "{}", no_header.text());
    let cross = server.call(
        "PUT",
        "/api/key/k",
        &[
            ("authorization", &auth),
            ("x-kv-explorer", "1"),
            ("origin", "https://evil.example"),
        ],
        b"v",
    );
    assert_eq!(cross.status, 403, "{}", cross.text());
    let cross_delete = server.call(
        "DELETE",
        "/api/key/k",
        &[
            ("authorization", &auth),
            ("x-kv-explorer", "1"),
            ("sec-fetch-site", "cross-site"),
        ],
        b"",
    );
    assert_eq!(cross_delete.status, 403);
    assert_eq!(server.stored("k"), None);
    let ok = server.call(
        "PUT",
        "/api/key/k",
        &[
            ("authorization", &auth),
            ("x-kv-explorer", "1"),
            ("origin", &same),
            ("sec-fetch-site", "same-origin"),
        ],
        b"v",
    );
    assert_eq!(ok.status, 204, "{}", ok.text());
    assert_eq!(server.stored("k"), Some(b"v".to_vec()));
}

#[test]
fn api_lists_pages_shows_and_changes_values() {
    let server = Server::start(Some(CREDENTIALS));
    for i in 0..7 {
        server.seed(&format!("item:{i}"), b"v");
    }
    server.seed("bin", &[0xde, 0xad, 0x00]);

    let first = server
        .authed("GET", "/api/keys?prefix=item:&limit=4", b"")
        .json();
    assert_eq!(
        first["keys"],
        json!(["item:0", "item:1", "item:2", "item:3"])
    );
    let cursor = first["cursor"].as_str().unwrap();
    let second = server
        .authed(
            "GET",
            &format!("/api/keys?prefix=item:&limit=4&cursor={cursor}"),
            b"",
        )
        .json();
    assert_eq!(second["keys"], json!(["item:4", "item:5", "item:6"]));
    assert!(second["cursor"].is_null());
    let all = server.authed("GET", "/api/keys", b"").json();
    assert!(
        !all["keys"]
            .as_array()
            .unwrap()
            .contains(&json!("kv-credentials")),
        "{all}"
    );
    assert_eq!(all["keys"].as_array().unwrap().len(), 8);

    let bin = server.authed("GET", "/api/key/bin", b"").json();
    assert_eq!(bin["encoding"], "hex");
    assert_eq!(bin["value"], "dead00");
    assert_eq!(bin["size"], 3);

    assert_eq!(
        server
            .authed("PUT", "/api/key/note", "héllo".as_bytes())
            .status,
        204
    );
    assert_eq!(server.stored("note"), Some("héllo".as_bytes().to_vec()));
    assert_eq!(
        server.authed("GET", "/api/key/note", b"").json()["value"],
        "héllo"
    );
    assert_eq!(server.authed("DELETE", "/api/key/note", b"").status, 204);
    assert_eq!(server.stored("note"), None);
    assert_eq!(server.authed("GET", "/api/key/note", b"").status, 404);

    for method in ["GET", "PUT", "DELETE"] {
        let resp = server.authed(method, "/api/key/kv-credentials", b"x:y");
        assert_eq!(resp.status, 403, "{method}");
        assert_eq!(common::code(&resp), "reserved_key");
    }
    assert_eq!(
        server.stored("kv-credentials"),
        Some(CREDENTIALS.as_bytes().to_vec())
    );

    assert_eq!(
        server.authed("GET", "/api/keys?store=nope", b"").status,
        404
    );
    assert_eq!(server.authed("GET", "/api/keys?store=", b"").status, 400);
    assert_eq!(server.authed("GET", "/api/keys?limit=0", b"").status, 400);
}

#[test]
fn set_credentials_writes_what_the_server_reads() {
    let dir = tempfile::tempdir().unwrap();
    let kv_path = dir.path().join("nested/kv.db");
    let run = |input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kv-explorer-adapter-native"))
            .args(["set-credentials", "--kv-path"])
            .arg(&kv_path)
            .env_remove("EDGEZERO__STORES__KV__DEFAULT__NAME")
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let bad = run("no-colon\n");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("user:password"));

    let ok = run("carol:pa55:word\n");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let server = Server::on(&kv_path);
    assert_eq!(
        server.stored("kv-credentials"),
        Some(b"carol:pa55:word".to_vec())
    );
    let auth = basic("carol:pa55:word");
    let resp = server.call("GET", "/api/keys", &[("authorization", &auth)], b"");
    assert_eq!(resp.status, 200, "{}", resp.text());
}
