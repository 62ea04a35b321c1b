//! jsforce (a public Salesforce client for Node.js) works unchanged against
//! the simulator: username-password login, create a Case, query it back.
//! Skipped, with the reason printed, when node or the installed package
//! (`npm ci` in `tests/jsforce/`) is missing: tests never download anything.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::{TestSim, APP_ID, APP_SECRET};

fn jsforce_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/jsforce")
}

/// Why the jsforce check cannot run here, if it cannot.
fn skip_reason() -> Option<String> {
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => return Some("node is not installed".into()),
    }
    let installed = jsforce_dir().join("node_modules/jsforce/package.json");
    if !installed.exists() {
        return Some(format!(
            "jsforce is not installed (run `npm ci` in {})",
            jsforce_dir().display()
        ));
    }
    None
}

#[tokio::test]
async fn login_create_and_query() {
    if let Some(reason) = skip_reason() {
        println!("skipping the jsforce check: {reason}");
        return;
    }
    let sim =
        TestSim::start_with(|c| c.default_password = Some("jsforce-pw".to_string().into())).await;
    let username = sim.username();
    let url = sim.sim.url();
    // The simulator keeps serving on the runtime while node runs on a blocking thread.
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("check.js")
            .current_dir(jsforce_dir())
            .env("SIM_URL", url)
            .env("SIM_USERNAME", &username)
            .env("SIM_PASSWORD", "jsforce-pw")
            .env("SIM_CLIENT_ID", APP_ID)
            .env("SIM_CLIENT_SECRET", APP_SECRET)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "node failed:\n{stdout}\n{stderr}");
    let seen: Value = serde_json::from_str(stdout.trim()).unwrap();
    let id = seen["created"]["id"].as_str().unwrap();
    assert_eq!(seen["created"]["success"], true);
    assert_eq!(seen["totalSize"], 1);
    assert_eq!(seen["records"][0]["Id"], id);
    assert_eq!(seen["records"][0]["Subject"], "Created by jsforce");
    assert_eq!(seen["instanceUrl"], sim.sim.url().as_str());
    assert_eq!(seen["orgId"], sim.sim.db().org_id().as_str());
    // The record is really in the org.
    let record = sim.sim.db().get("Case", id, None, "62.0").unwrap();
    assert_eq!(record["Subject"], "Created by jsforce");
}
