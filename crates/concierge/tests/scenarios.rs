//! `concierge scenario run` as `make test` and a developer run it: the real
//! binary starts Concierge in-process (fresh SQLite, the demo tenant and
//! knowledge base), drives each scenario file through the HTTP API and
//! reports. The example scenarios are written for the real engine, so here
//! only the report's shape is checked for them; the fixtures check that a
//! failing expectation fails the run with the expectation and the reply, and
//! that a scenario that holds passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The workspace root: scenario paths in reports are relative to it.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_owned()
}

const FIXTURES: &str = "crates/concierge/tests/fixtures/scenarios";

fn run(args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_concierge"));
    for (k, _) in std::env::vars() {
        if k.starts_with("CONCIERGE_") || k == "RUST_LOG" {
            c.env_remove(k);
        }
    }
    // No dense encoder even when `make models` fetched it: the demo base
    // loads in a fraction of a second with BM25 alone.
    let no_models = tempfile::tempdir().unwrap();
    c.env("CONCIERGE_MODELS_DIR", no_models.path())
        .current_dir(root())
        .arg("scenario")
        .arg("run")
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    })
}

fn result<'a>(report: &'a Value, file: &str) -> &'a Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["file"].as_str().unwrap().ends_with(file))
        .unwrap_or_else(|| panic!("no result for {file}: {report:#}"))
}

/// The `--json` document's shape, whatever passed.
fn assert_shape(report: &Value) {
    let results = report["results"].as_array().unwrap();
    let passed = results.iter().filter(|r| r["passed"] == true).count();
    assert_eq!(report["passed"].as_u64().unwrap() as usize, passed);
    assert_eq!(
        report["failed"].as_u64().unwrap() as usize,
        results.len() - passed
    );
    let files: Vec<&str> = results
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted, "results are sorted by file");
    for r in results {
        assert!(!r["name"].as_str().unwrap().is_empty());
        assert!(r["passed"].is_boolean());
        assert!(r["duration_ms"].is_u64());
        let failures = r["failures"].as_array().unwrap();
        let turns = r["turns"].as_array().unwrap();
        for (i, t) in turns.iter().enumerate() {
            assert_eq!(t["index"].as_u64().unwrap() as usize, i);
            assert!(t["say"].is_string() || t["say"].is_null());
            assert!(t["response"].is_string() || t["response"].is_null());
            assert!(t["intent"].is_string() || t["intent"].is_null());
            let tf = t["failures"].as_array().unwrap();
            assert_eq!(t["passed"] == true, tf.is_empty(), "{t:#}");
        }
        let all_turns_pass = turns.iter().all(|t| t["passed"] == true);
        assert_eq!(
            r["passed"] == true,
            failures.is_empty() && all_turns_pass,
            "{r:#}"
        );
    }
}

#[test]
fn the_examples_run_and_report_in_the_json_shape() {
    let out = run(&["scenarios/examples", "--json"]);
    let report = json(&out);
    assert_shape(&report);
    let results = report["results"].as_array().unwrap();
    let examples = std::fs::read_dir(root().join("scenarios/examples"))
        .unwrap()
        .filter(|e| {
            let p = e.as_ref().unwrap().path();
            matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml"))
        })
        .count();
    assert!(examples >= 3);
    assert_eq!(results.len(), examples);
    for r in results {
        assert!(r["file"]
            .as_str()
            .unwrap()
            .starts_with("scenarios/examples/"));
    }
    assert_eq!(
        out.status.success(),
        report["failed"] == 0,
        "the exit status follows the failures; stderr: {}",
        stderr(&out)
    );
    assert_eq!(
        result(&report, "password_reset.yaml")["name"],
        "password reset handled by the agent"
    );
}

#[test]
fn a_failing_scenario_fails_the_run_with_the_expectation_and_the_reply() {
    let out = run(&[FIXTURES, "--json"]);
    let report = json(&out);
    assert_shape(&report);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("1 of 2 scenarios failed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        (report["passed"].as_u64(), report["failed"].as_u64()),
        (Some(1), Some(1))
    );

    let failing = result(&report, "failing.yaml");
    assert_eq!(failing["name"], "deliberately failing fixture");
    assert_eq!(failing["passed"], false);
    let turns = failing["turns"].as_array().unwrap();
    assert_eq!(
        turns.len(),
        2,
        "an expectation failure does not stop the conversation"
    );
    let t0 = &turns[0];
    assert_eq!(t0["say"], "Hello");
    assert_eq!(t0["passed"], false);
    let reply = t0["response"].as_str().expect("the reply is reported");
    assert!(!reply.is_empty());
    let f = t0["failures"][0].as_str().unwrap();
    assert!(
        f.starts_with(
            "reply_contains_any: expected the reply to contain any of [\"zebra-xylophone-4711\"], got \""
        ),
        "{f}"
    );
    let quoted: String = reply.chars().take(40).collect();
    assert!(f.contains(&quoted), "the failure quotes the reply: {f}");
    assert_eq!(turns[1]["say"], "Thanks, that is all");
    assert_eq!(turns[1]["passed"], true);
    let scenario_failures = failing["failures"].as_array().unwrap();
    assert_eq!(scenario_failures.len(), 1, "{scenario_failures:?}");
    assert!(scenario_failures[0]
        .as_str()
        .unwrap()
        .starts_with("outcome.messages_at_least: expected at least 1000 messages, got "));

    let passing = result(&report, "passing.yaml");
    assert_eq!(passing["passed"], true, "{passing:#}");
    assert_eq!(passing["turns"][0]["passed"], true);
}

#[test]
fn filter_picks_scenarios_and_the_readable_report_says_what_passed() {
    let out = run(&[FIXTURES, "--filter", "PASSING"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(
        text.starts_with(&format!("PASS  {FIXTURES}/passing.yaml  passing fixture (")),
        "{text}"
    );
    assert!(text.ends_with("1 scenario: 1 passed, 0 failed\n"), "{text}");

    let out = run(&[FIXTURES, "--filter", "failing"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(text.contains("FAIL  "), "{text}");
    assert!(text.contains("turns[0] say \"Hello\""), "{text}");
    assert!(text.contains("- reply_contains_any: expected"), "{text}");
    assert!(text.contains("- outcome.messages_at_least"), "{text}");

    let out = run(&[FIXTURES, "--filter", "no such scenario"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no scenario matches --filter"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_invalid_file_stops_the_run_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a_good.yaml"),
        "name: good\nturns: [{say: hi}]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b_bad.yaml"),
        "name: bad\nturns:\n  - say: hi\n  - say: again\n    expect: { intnt: greeting }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("c_bad.yml"),
        "name: worse\nturns:\n  - say: hi\n    claim: true\n",
    )
    .unwrap();
    let out = run(&[dir.path().to_str().unwrap(), "--json"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing ran");
    let err = stderr(&out);
    assert!(
        err.contains("2 scenario file(s) are not valid; nothing was run"),
        "{err}"
    );
    assert!(
        err.contains("b_bad.yaml: turns[1].expect: unknown field `intnt`"),
        "{err}"
    );
    assert!(
        err.contains("c_bad.yml: turns[0]: a turn needs exactly one of"),
        "{err}"
    );
}

#[test]
fn url_mode_needs_an_api_key() {
    let out = run(&[FIXTURES, "--url", "http://127.0.0.1:9"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--url needs --api-key"),
        "{}",
        stderr(&out)
    );
}

/// The acceptance suite of the conversation engine (scenarios/suite, ≥ 60
/// conversations: workflows, knowledge, topic switches, sentiment, human
/// requests, out-of-scope, languages, moderation, error logs, VIP, SLA,
/// hand-offs) and the examples all pass against the real engine.
#[test]
fn the_acceptance_suite_and_the_examples_pass() {
    for dir in ["scenarios/suite", "scenarios/examples"] {
        let out = run(&[dir, "--json"]);
        let report = json(&out);
        let failed: Vec<String> = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["passed"] != true)
            .map(|r| format!("{}: {}", r["file"], r))
            .collect();
        assert!(
            failed.is_empty(),
            "{} failed:\n{}",
            failed.len(),
            failed.join("\n")
        );
        assert!(out.status.success(), "{}", stderr(&out));
        if dir == "scenarios/suite" {
            assert!(report["passed"].as_u64().unwrap() >= 60, "{report}");
        }
    }
}
