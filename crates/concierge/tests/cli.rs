//! The binary as a user runs it: first start prints how to sign in (once),
//! data persists across restarts, configuration errors name the key, and the
//! admin commands work.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_concierge"));
    // Keep the developer's environment from changing the configuration under test.
    for (k, _) in std::env::vars() {
        if k.starts_with("CONCIERGE_") {
            c.env_remove(k);
        }
    }
    c.env("CONCIERGE_LOG__LEVEL", "warn");
    c
}

struct Server {
    child: Child,
    banner: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(data: &Path) -> Server {
        let mut child = bin()
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut banner = String::new();
        loop {
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    banner.push_str(&line);
                    banner.push('\n');
                    if line.contains("Press Ctrl-C") {
                        break;
                    }
                }
                Err(_) => panic!("server did not start; printed:\n{banner}"),
            }
        }
        Server { child, banner }
    }

    fn value(&self, label: &str) -> Option<String> {
        self.banner.lines().find_map(|l| {
            l.trim()
                .strip_prefix(label)
                .map(|v| v.split_whitespace().next().unwrap_or("").to_owned())
        })
    }

    fn base(&self) -> String {
        self.value("API")
            .unwrap()
            .trim_end_matches("/v1")
            .to_owned()
    }
}

#[tokio::test]
async fn first_start_prints_credentials_once_and_data_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();

    let first = Server::start(dir.path());
    let base = first.base();
    let password = first
        .value("password")
        .expect("first start prints the admin password");
    let api_key = first.value("API key").unwrap();
    assert!(api_key.starts_with("ck_"));
    assert!(first.banner.contains("/api/docs"));

    let r = http
        .post(format!("{base}/v1/auth/token"))
        .json(&serde_json::json!({"email": "admin@demo.concierge.local", "password": password, "tenant": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .post(format!("{base}/v1/conversations"))
        .bearer_auth(&api_key)
        .json(&serde_json::json!({"channel": "api", "initial_message": "hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    drop(first);

    let second = Server::start(dir.path());
    assert!(
        second.value("password").is_none(),
        "credentials are printed only on first start:\n{}",
        second.banner
    );
    let base = second.base();
    let r = http
        .get(format!("{base}/v1/conversations/{id}"))
        .bearer_auth(&api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "the API key and the conversation survive a restart"
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["messages"].as_array().unwrap().len(), 2);
}

#[test]
fn configuration_errors_name_the_key_and_never_print_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, "[server]\nlisten_on = \"127.0.0.1:1\"\n").unwrap();
    let out = bin()
        .args(["migrate", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("listen_on"), "{err}");

    let out = bin()
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .env("CONCIERGE_SERVER__REQUEST_TIMEOUT_SECS", "soon")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("server.request_timeout_secs"), "{err}");

    let out = bin()
        .args(["migrate"])
        .env(
            "CONCIERGE_DATABASE__URL",
            "postgres://concierge:hunter2-secret@127.0.0.1:1/nope",
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !all.contains("hunter2-secret"),
        "the database password leaked: {all}"
    );
}

#[test]
fn admin_commands_create_tenants_users_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut c = bin();
        c.args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        } else {
            drop(child.stdin.take());
        }
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(
        &[
            "tenant",
            "create",
            "--slug",
            "acme",
            "--name",
            "Acme Corp",
            "--tier",
            "enterprise",
        ],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.contains("widget key:  pk_acme_"), "{out}");
    let (ok, _, err) = run(
        &["tenant", "create", "--slug", "acme", "--name", "Again"],
        None,
    );
    assert!(!ok && err.contains("slug"), "{err}");
    let (ok, _, err) = run(
        &["tenant", "create", "--slug", "Bad Slug", "--name", "x"],
        None,
    );
    assert!(!ok && err.contains("slug"), "{err}");

    let (ok, out, err) = run(
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "Ann@Acme.example",
            "--role",
            "admin",
        ],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.contains("password (shown once):"), "{out}");
    let (ok, out, err) = run(
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "bob@acme.example",
            "--role",
            "agent",
            "--password-stdin",
        ],
        Some("a long enough password\n"),
    );
    assert!(ok, "{err}");
    assert!(!out.contains("password (shown once)"));
    let (ok, _, err) = run(
        &[
            "user",
            "create",
            "--tenant",
            "nope",
            "--email",
            "x@y.example",
        ],
        None,
    );
    assert!(!ok && err.contains("no tenant"), "{err}");
    let (ok, _, err) = run(
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "c@acme.example",
            "--role",
            "wizard",
        ],
        None,
    );
    assert!(!ok && err.contains("--role"), "{err}");

    let (ok, out, err) = run(
        &["apikey", "create", "--tenant", "acme", "--name", "zapier"],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.lines().any(|l| l.trim().starts_with("ck_")), "{out}");

    let (ok, out, _) = run(&["config", "default"], None);
    assert!(ok && out.contains("[server]") && out.contains("listen = \"127.0.0.1:8080\""));
}
