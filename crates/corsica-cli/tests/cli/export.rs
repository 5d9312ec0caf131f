//! `corsica export nginx|apache|haproxy|caddy`: the file and its header (the policy's SHA-256),
//! the JSON document, refusals naming the key and the server (exit 1), usage and I/O errors (exit
//! 2, with a JSON `error` when asked), and `--check` with the real nginx, httpd, HAProxy and
//! Caddy (which must be installed: scripts/test installs them).

use serde_json::json;

use crate::util::TestDir;

const POLICY: &str = "origins = [\"https://app.example.com\", \"https://*.example.com\"]\nmethods = [\"PUT\"]\ncredentials = true\n";

/// SHA-256 of `POLICY`, computed independently (`sha256sum`).
const POLICY_SHA256: &str = "9c315eceea6247aa603206576db13285671906825c12bbcbb05ba8f86867f7f9";

#[test]
fn the_file_names_the_policy_and_its_hash() {
    let dir = TestDir::new();
    dir.write("cors.toml", POLICY);
    let out = dir
        .corsica([
            "export",
            "nginx",
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000",
            "--listen",
            "127.0.0.1:8081",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains(&format!("# Policy: cors.toml (sha256 {POLICY_SHA256})")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("listen 127.0.0.1:8081;"));
    assert!(out.stdout.contains("proxy_pass http://127.0.0.1:9000;"));
    assert!(
        out.stdout
            .contains("include /etc/nginx/conf.d/corsica-cors.conf;")
    );
}

#[test]
fn json_carries_the_file() {
    let dir = TestDir::new();
    dir.write("cors.toml", POLICY);
    let out = dir
        .corsica([
            "export",
            "nginx",
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000",
            "--json",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    assert_eq!(doc["server"], json!("nginx"));
    assert_eq!(
        doc["policy"],
        json!({"file": "cors.toml", "sha256": POLICY_SHA256})
    );
    assert_eq!(doc["valid"], json!(true));
    assert_eq!(doc["unsupported"], json!(null));
    assert_eq!(doc["check"], json!(null));
    assert!(doc["config"].as_str().unwrap().contains("server {"));
}

#[test]
fn what_nginx_cannot_express_exits_1_naming_key_and_server() {
    let dir = TestDir::new();
    dir.write("cors.toml", "origins = [\"https://a.example\"]\n[[route]]\npath = \"/api/\"\norigins = [\"https://a.example\"]\nreject_disallowed = true\n");
    let out = dir
        .corsica([
            "export",
            "nginx",
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000",
        ])
        .run();
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains("nginx cannot express `reject_disallowed` (in the route \"/api/\")"),
        "{}",
        out.stderr
    );
    let out = dir
        .corsica([
            "export",
            "nginx",
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000",
            "--json",
        ])
        .run();
    assert_eq!(out.code, 1);
    let doc = out.json();
    assert_eq!(doc["unsupported"]["key"], json!("reject_disallowed"));
    assert_eq!(doc["unsupported"]["route"], json!("/api/"));
    assert_eq!(doc["config"], json!(null));
}

#[test]
fn an_invalid_policy_exits_1_with_its_errors() {
    let dir = TestDir::new();
    dir.write(
        "cors.toml",
        "origins = [\"https://a.example\"]\nmethods = [\"TRACE\"]\n",
    );
    let out = dir
        .corsica([
            "export",
            "nginx",
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000",
            "--json",
        ])
        .run();
    assert_eq!(out.code, 1);
    let doc = out.json();
    assert_eq!(doc["valid"], json!(false));
    assert_eq!(doc["errors"][0]["key"], json!("methods"));
}

#[test]
fn usage_and_io_errors_exit_2_with_a_json_error() {
    let dir = TestDir::new();
    dir.write("cors.toml", POLICY);
    for args in [
        vec![
            "--policy",
            "missing.toml",
            "--upstream",
            "http://127.0.0.1:9000",
        ],
        vec![
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000;evil",
        ],
        vec![
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000/path",
        ],
        vec![
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000",
            "--listen",
            "8080 default_server",
        ],
    ] {
        let mut full = vec!["export", "nginx", "--json"];
        full.extend(args.iter().copied());
        let out = dir.corsica(&full).run();
        assert_eq!(out.code, 2, "{args:?}");
        assert!(out.json()["error"]["message"].is_string(), "{args:?}");
    }
    // A server corsica does not write for.
    let out = dir
        .corsica([
            "export",
            "traefik",
            "--policy",
            "cors.toml",
            "--upstream",
            "http://x:1",
        ])
        .run();
    assert_eq!(out.code, 2);
}

#[test]
fn check_runs_nginx_t() {
    let dir = TestDir::new();
    dir.write("cors.toml", POLICY);
    let out = dir
        .corsica([
            "export",
            "nginx",
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000",
            "--check",
            "--json",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    assert_eq!(doc["check"]["ok"], json!(true), "{doc:#}");
}

#[test]
fn apache_check_runs_apache2_t() {
    let dir = TestDir::new();
    dir.write("cors.toml", POLICY);
    let out = dir
        .corsica([
            "export",
            "apache",
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000",
            "--listen",
            "127.0.0.1:8082",
            "--check",
            "--json",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    assert_eq!(doc["server"], json!("apache"));
    assert_eq!(doc["check"]["ok"], json!(true), "{doc:#}");
    let config = doc["config"].as_str().unwrap();
    assert!(config.contains("Listen 127.0.0.1:8082\n<VirtualHost 127.0.0.1:8082>"));
    assert!(config.contains(&format!("(sha256 {POLICY_SHA256})")));
}

#[test]
fn apache_refuses_a_status_httpd_cannot_answer_with() {
    let dir = TestDir::new();
    dir.write(
        "cors.toml",
        "origins = [\"https://a.example\"]\npreflight_status = 299\n",
    );
    let out = dir
        .corsica([
            "export",
            "apache",
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000",
        ])
        .run();
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("apache cannot express `preflight_status`"),
        "{}",
        out.stderr
    );
    // nginx can.
    let out = dir
        .corsica([
            "export",
            "nginx",
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn haproxy_check_runs_haproxy_c() {
    let dir = TestDir::new();
    dir.write("cors.toml", POLICY);
    let out = dir
        .corsica([
            "export",
            "haproxy",
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000",
            "--listen",
            "127.0.0.1:8083",
            "--check",
            "--json",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    assert_eq!(doc["server"], json!("haproxy"));
    assert_eq!(doc["check"]["ok"], json!(true), "{doc:#}");
    let config = doc["config"].as_str().unwrap();
    assert!(config.contains("frontend corsica_fe\n    bind 127.0.0.1:8083"));
    assert!(
        config.contains("backend corsica_be\n    mode http\n    server upstream 127.0.0.1:9000")
    );
}

#[test]
fn caddy_check_runs_caddy_validate() {
    let dir = TestDir::new();
    dir.write("cors.toml", POLICY);
    let out = dir
        .corsica([
            "export",
            "caddy",
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000",
            "--listen",
            "127.0.0.1:8084",
            "--check",
            "--json",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    assert_eq!(doc["server"], json!("caddy"));
    assert_eq!(doc["check"]["ok"], json!(true), "{doc:#}");
    assert!(
        doc["check"]["command"]
            .as_str()
            .unwrap()
            .contains("validate --adapter caddyfile"),
        "{doc:#}"
    );
    let config = doc["config"].as_str().unwrap();
    assert!(
        config.contains("http://:8084 {\n\tbind 127.0.0.1\n"),
        "{config}"
    );
    assert!(
        config.contains(
            "reverse_proxy http://127.0.0.1:9000 {\n\t\t\t\theader_down -Access-Control-*"
        )
    );
    assert!(config.contains("import /etc/caddy/corsica-cors.caddy"));
    assert!(config.contains(&format!("(sha256 {POLICY_SHA256})")));
}

#[test]
fn caddy_refuses_reject_disallowed_and_a_listen_without_port() {
    let dir = TestDir::new();
    dir.write(
        "cors.toml",
        "origins = [\"https://a.example\"]\nreject_disallowed = true\n",
    );
    let out = dir
        .corsica([
            "export",
            "caddy",
            "--policy",
            "cors.toml",
            "--upstream",
            "http://127.0.0.1:9000",
            "--json",
        ])
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let doc = out.json();
    assert_eq!(doc["unsupported"]["key"], json!("reject_disallowed"));
    assert!(
        doc["unsupported"]["message"]
            .as_str()
            .unwrap()
            .starts_with("caddy cannot express `reject_disallowed`"),
        "{doc:#}"
    );

    dir.write("ok.toml", POLICY);
    let out = dir
        .corsica([
            "export",
            "caddy",
            "--policy",
            "ok.toml",
            "--upstream",
            "http://127.0.0.1:9000",
            "--listen",
            "localhost",
        ])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("--listen \"localhost\""),
        "{}",
        out.stderr
    );
}
