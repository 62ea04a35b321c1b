//! `concierge kb …` as an admin runs it: ingesting a directory of mixed
//! formats into a tenant, searching with citations, re-ingesting without
//! duplicates, evaluating retrieval, answering with the local responder, and
//! errors that name the file and field. Every run uses a fresh data
//! directory (SQLite) and `--encoder none`, so no model files are needed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/kb")
        .join(name)
}

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        let env = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        let out = env.run(&["tenant", "create", "--slug", "acme", "--name", "Acme"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        env
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_concierge"));
        for (k, _) in std::env::vars() {
            if k.starts_with("CONCIERGE_") {
                c.env_remove(k);
            }
        }
        c.arg("--data-dir")
            .arg(self.dir.path())
            .args(args)
            .output()
            .unwrap()
    }

    fn kb(&self, args: &[&str]) -> Output {
        let mut all = vec!["kb"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--tenant", "acme", "--encoder", "none"]);
        self.run(&all)
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.kb(args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

#[test]
fn ingest_search_reingest_and_evaluate() {
    let env = Env::new();
    let docs = fixture("docs");
    let report = env.json(&["ingest", docs.to_str().unwrap(), "--json"]);
    assert_eq!(report["created"], 5, "{report}");
    assert_eq!(report["files"], 4);

    let hits = env.json(&["search", "quokka incident", "--json"]);
    let first = &hits["passages"][0];
    assert_eq!(first["citation"]["slug"], "outage", "{hits}");
    assert_eq!(first["citation"]["title"], "Checking the status page");
    assert!(first["text"].as_str().unwrap().contains("quokka"));
    assert!(first["citation"]["end"].as_u64() > first["citation"]["start"].as_u64());

    let es = env.json(&[
        "search",
        "exportación semanal",
        "--language",
        "es",
        "--json",
    ]);
    assert_eq!(es["passages"][0]["citation"]["slug"], "export-es");
    let cat = env.json(&["search", "refund", "--category", "api", "--json"]);
    assert!(cat["passages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["category"] == "api"));

    // Same files again: nothing new. The index survives between commands.
    let again = env.json(&["ingest", docs.to_str().unwrap(), "--json"]);
    assert_eq!(
        (again["created"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(5))
    );

    let eval = env.json(&[
        "eval",
        "--questions",
        fixture("questions.jsonl").to_str().unwrap(),
        "--json",
    ]);
    for key in ["recall_at_1", "recall_at_5", "mrr", "p50_us", "p99_us"] {
        assert!(eval[key].is_number(), "{key} missing: {eval}");
    }
    assert_eq!(eval["n"], 4);
    assert_eq!(eval["recall_at_5"], 1.0, "{eval}");
}

#[test]
fn ask_answers_with_citations_or_offers_a_human() {
    let env = Env::new();
    let docs = fixture("docs");
    assert!(env.kb(&["ingest", docs.to_str().unwrap()]).status.success());
    let outcome = env.json(&["ask", "how do I get a refund on my annual plan", "--json"]);
    assert_eq!(outcome["provider"], "local");
    assert_eq!(outcome["grounded"], true, "{outcome}");
    assert_eq!(outcome["citations"][0]["slug"], "refund-policy");
    assert!(outcome["text"].as_str().unwrap().contains("[1]"));
    let unknown = env.json(&["ask", "what is the weather on Mars tomorrow", "--json"]);
    assert_eq!(unknown["offered_human"], true, "{unknown}");
    assert!(unknown["citations"].as_array().unwrap().is_empty());
}

#[test]
fn bad_input_names_the_file_and_field_and_keeps_what_was_stored() {
    let env = Env::new();
    let docs = fixture("docs");
    assert!(env.kb(&["ingest", docs.to_str().unwrap()]).status.success());
    let out = env.kb(&["ingest", fixture("bad.md").to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.md") && err.contains("`catgory`"), "{err}");
    let out = env.kb(&["ingest", fixture("questions.jsonl").to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("questions.jsonl:1") && err.contains("unknown field"),
        "{err}"
    );
    let out = env.kb(&["search", "   "]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("`query`"));
    let out = env.run(&[
        "kb",
        "search",
        "x",
        "--tenant",
        "nobody",
        "--encoder",
        "none",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no tenant with slug `nobody`"));
    // Nothing that was ingested before was lost.
    let hits = env.json(&["search", "quokka", "--json"]);
    assert_eq!(hits["passages"][0]["citation"]["slug"], "outage");
}

/// `concierge nlu distill` makes the static encoder from the MiniLM files
/// `make models` fetched (skipped with a message without them), and hybrid
/// search with it beats BM25 alone on the demo base's evaluation set.
#[test]
fn the_distilled_encoder_makes_hybrid_search_better_than_bm25() {
    let minilm = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/all-minilm-l6-v2");
    if !minilm.join("model.safetensors").exists() {
        eprintln!(
            "skipped: no dense model in {} (run `make models`)",
            minilm.display()
        );
        return;
    }
    let env = Env::new();
    let models = env.dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::os::unix::fs::symlink(
        minilm.canonicalize().unwrap(),
        models.join("all-minilm-l6-v2"),
    )
    .unwrap();
    let models = models.to_str().unwrap();

    let distill = env.run(&["nlu", "distill", "--models-dir", models]);
    assert!(
        distill.status.success(),
        "{}",
        String::from_utf8_lossy(&distill.stderr)
    );
    assert!(Path::new(models)
        .join("all-minilm-l6-v2-static/embeddings.safetensors")
        .exists());
    // A second run finds it there and does nothing.
    let again = env.run(&["nlu", "distill", "--models-dir", models]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already there"));

    let eval = |mode: &str, encoder: &str| -> Value {
        let out = env.run(&[
            "kb",
            "eval",
            "--demo",
            "--mode",
            mode,
            "--encoder",
            encoder,
            "--models-dir",
            models,
            "--json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let lexical = eval("lexical", "none");
    let hybrid = eval("hybrid", "static");
    assert_eq!(hybrid["encoder"], "all-minilm-l6-v2-static", "{hybrid}");
    let r = |v: &Value, k: &str| v[k].as_f64().unwrap();
    assert!(r(&hybrid, "recall_at_5") >= 0.90, "{hybrid}");
    assert!(
        r(&hybrid, "recall_at_1") > r(&lexical, "recall_at_1") + 0.03,
        "{hybrid} vs {lexical}"
    );
    assert!(
        r(&hybrid, "mrr") > r(&lexical, "mrr"),
        "{hybrid} vs {lexical}"
    );

    // Asking for it where it was never made is an error that says how to make it.
    let out = env.run(&[
        "kb",
        "eval",
        "--demo",
        "--mode",
        "hybrid",
        "--encoder",
        "static",
        "--models-dir",
        env.dir.path().to_str().unwrap(),
        "--json",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("concierge nlu distill"));
}
