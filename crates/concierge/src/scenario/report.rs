//! What a run found: the `--json` document and the readable report.

use serde::Serialize;

use super::check::quote;

/// The whole run (`--json` prints exactly this).
#[derive(Debug, Serialize)]
pub struct RunReport {
    pub passed: usize,
    pub failed: usize,
    /// One per scenario, sorted by file.
    pub results: Vec<ScenarioResult>,
}

impl RunReport {
    pub fn new(mut results: Vec<ScenarioResult>) -> Self {
        results.sort_by(|a, b| a.file.cmp(&b.file).then_with(|| a.name.cmp(&b.name)));
        let passed = results.iter().filter(|r| r.passed).count();
        Self {
            passed,
            failed: results.len() - passed,
            results,
        }
    }
}

/// One scenario.
#[derive(Debug, Serialize)]
pub struct ScenarioResult {
    pub file: String,
    pub name: String,
    pub passed: bool,
    pub duration_ms: u64,
    /// The turns that ran (a request that fails stops the scenario).
    pub turns: Vec<TurnResult>,
    /// Failures outside any turn: starting the conversation, the outcome.
    pub failures: Vec<String>,
}

impl ScenarioResult {
    /// Sets `passed` from the failures recorded so far.
    pub fn finish(&mut self) {
        self.passed = self.failures.is_empty() && self.turns.iter().all(|t| t.passed);
    }
}

/// One turn.
#[derive(Debug, Serialize)]
pub struct TurnResult {
    /// Position in `turns`, from 0.
    pub index: usize,
    /// What the customer said (`null` for turns other than `say`).
    pub say: Option<String>,
    /// The agent's reply (`null` for turns other than `say`).
    pub response: Option<String>,
    pub intent: Option<String>,
    pub passed: bool,
    pub failures: Vec<String>,
    /// The turn's kind, for the readable report.
    #[serde(skip)]
    pub kind: &'static str,
}

/// The readable report: one line per scenario, then what failed and why.
pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    for r in &report.results {
        let mark = if r.passed { "PASS" } else { "FAIL" };
        out.push_str(&format!(
            "{mark}  {}  {} ({} ms)\n",
            r.file, r.name, r.duration_ms
        ));
        if r.passed {
            continue;
        }
        for t in r.turns.iter().filter(|t| !t.passed) {
            match &t.say {
                Some(say) => {
                    out.push_str(&format!("      turns[{}] say {}\n", t.index, quote(say)))
                }
                None => out.push_str(&format!("      turns[{}] {}\n", t.index, t.kind)),
            }
            for f in &t.failures {
                out.push_str(&format!("        - {f}\n"));
            }
            let reply = t.response.as_deref().unwrap_or("");
            // The reply once: reply_contains_* failures already quote it.
            if t.say.is_some() && !t.failures.iter().any(|f| f.ends_with(&quote(reply))) {
                out.push_str(&format!(
                    "        reply ({}): {}\n",
                    t.intent.as_deref().unwrap_or("no intent"),
                    quote(reply)
                ));
            }
        }
        if !r.failures.is_empty() {
            out.push_str("      scenario\n");
            for f in &r.failures {
                out.push_str(&format!("        - {f}\n"));
            }
        }
    }
    let n = report.results.len();
    out.push_str(&format!(
        "\n{n} scenario{}: {} passed, {} failed\n",
        if n == 1 { "" } else { "s" },
        report.passed,
        report.failed
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(file: &str, failures: Vec<String>, turn_failures: Vec<String>) -> ScenarioResult {
        let mut r = ScenarioResult {
            file: file.into(),
            name: format!("{file} name"),
            passed: false,
            duration_ms: 12,
            turns: vec![TurnResult {
                index: 0,
                say: Some("hello".into()),
                response: Some("Hi! How can I help?".into()),
                intent: Some("greeting".into()),
                passed: turn_failures.is_empty(),
                failures: turn_failures,
                kind: "say",
            }],
            failures,
        };
        r.finish();
        r
    }

    #[test]
    fn results_are_sorted_and_counted_and_failures_are_shown_with_the_reply() {
        let report = RunReport::new(vec![
            result(
                "b.yaml",
                vec![],
                vec!["intent: expected thanks, got greeting".into()],
            ),
            result("a.yaml", vec![], vec![]),
            result(
                "c.yaml",
                vec!["status: expected resolved, got active".into()],
                vec![],
            ),
        ]);
        assert_eq!((report.passed, report.failed), (1, 2));
        let files: Vec<&str> = report.results.iter().map(|r| r.file.as_str()).collect();
        assert_eq!(files, ["a.yaml", "b.yaml", "c.yaml"]);
        let text = render(&report);
        assert!(text.starts_with("PASS  a.yaml"), "{text}");
        assert!(text.contains("FAIL  b.yaml"), "{text}");
        assert!(
            text.contains("- intent: expected thanks, got greeting"),
            "{text}"
        );
        assert!(
            text.contains("reply (greeting): \"Hi! How can I help?\""),
            "{text}"
        );
        assert!(
            text.contains("- status: expected resolved, got active"),
            "{text}"
        );
        assert!(
            text.ends_with("3 scenarios: 1 passed, 2 failed\n"),
            "{text}"
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["passed"], 1);
        let mut keys: Vec<&String> = json["results"][0]["turns"][0]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            ["failures", "index", "intent", "passed", "response", "say"]
        );
    }
}
