//! simple-salesforce (a public Python client) works unchanged against the
//! simulator over https: create, upsert, update, get, query_all, describe.
//! Skipped, with the reason printed, when python3 or the package
//! (`pip install -r tests/simple_salesforce/requirements.txt`) is missing.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::TestSim;

fn script_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/simple_salesforce")
}

fn skip_reason() -> Option<String> {
    match Command::new("python3")
        .args(["-c", "import simple_salesforce"])
        .output()
    {
        Ok(o) if o.status.success() => None,
        Ok(_) => Some(format!(
            "simple-salesforce is not installed (pip install -r {}/requirements.txt)",
            script_dir().display()
        )),
        Err(_) => Some("python3 is not installed".into()),
    }
}

#[tokio::test]
async fn create_upsert_and_query() {
    if let Some(reason) = skip_reason() {
        println!("skipping the simple-salesforce check: {reason}");
        return;
    }
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let dir = std::env::temp_dir().join(format!("sfsim-ss-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cert.pem"), ck.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), ck.key_pair.serialize_pem()).unwrap();
    let files = concierge_sfsim::server::TlsFiles {
        cert_pem: dir.join("cert.pem"),
        key_pem: dir.join("key.pem"),
    };
    let mut sim = TestSim::start_with(|c| c.tls = Some(files)).await;
    sim.http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ck.cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let token = sim.token().await;
    let instance = sim.sim.url().trim_start_matches("https://").to_string();
    let ca = dir.join("cert.pem");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg("check.py")
            .current_dir(script_dir())
            .env("SIM_INSTANCE", instance)
            .env("SIM_SESSION", token)
            .env("REQUESTS_CA_BUNDLE", ca)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "python failed:\n{stdout}\n{stderr}");
    let seen: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(seen["created"]["success"], true);
    assert_eq!(seen["upsert_status"], 201);
    assert_eq!(seen["update_status"], 204);
    assert_eq!(seen["status"], "Working");
    assert_eq!(seen["total"], 2);
    assert_eq!(
        seen["subjects"],
        serde_json::json!([
            "Created by simple-salesforce",
            "Upserted by simple-salesforce"
        ])
    );
    assert_eq!(seen["has_ext_field"], true);
    assert!(seen["api_usage"].as_u64().unwrap() > 0, "{seen}");
}
