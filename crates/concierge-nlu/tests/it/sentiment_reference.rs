//! The VADER port against the reference package: `tests/fixtures/
//! vader_reference.jsonl` holds sentences scored by PyPI `vaderSentiment`
//! 3.3.2 (regenerate with `scripts/vader_reference.py`).

use concierge_nlu::sentiment::SentimentAnalyzer;
use serde::Deserialize;

const FIXTURE: &str = include_str!("../fixtures/vader_reference.jsonl");

#[derive(Debug, Deserialize)]
struct Reference {
    text: String,
    compound: f64,
    pos: f64,
    neu: f64,
    neg: f64,
}

fn references() -> Vec<Reference> {
    FIXTURE
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("fixture line"))
        .collect()
}

#[test]
fn compound_agrees_with_the_reference() {
    let analyzer = SentimentAnalyzer::new();
    let references = references();
    assert!(references.len() >= 300, "{} sentences", references.len());

    let mut deltas: Vec<(f64, &Reference, f64)> = references
        .iter()
        .map(|r| {
            let ours = analyzer.score(&r.text).compound;
            ((ours - r.compound).abs(), r, ours)
        })
        .collect();
    deltas.sort_by(|a, b| b.0.total_cmp(&a.0));

    let within = deltas.iter().filter(|(d, _, _)| *d <= 0.05).count();
    let exact = deltas.iter().filter(|(d, _, _)| *d < 1e-9).count();
    let rate = within as f64 / deltas.len() as f64;
    println!(
        "VADER agreement: {within}/{} within 0.05 ({:.1}%), {exact} exact; worst delta {:.4}",
        deltas.len(),
        rate * 100.0,
        deltas[0].0
    );
    for (delta, r, ours) in deltas.iter().take(5) {
        println!(
            "  Δ {delta:.4}: ours {ours:.4}, reference {:.4}: {:?}",
            r.compound, r.text
        );
    }
    assert!(rate >= 0.95, "only {:.1}% within 0.05", rate * 100.0);
}

#[test]
fn proportions_agree_with_the_reference() {
    let analyzer = SentimentAnalyzer::new();
    let references = references();
    let mismatches: Vec<_> = references
        .iter()
        .filter(|r| {
            let s = analyzer.score(&r.text);
            (s.positive - r.pos).abs() > 0.001
                || (s.neutral - r.neu).abs() > 0.001
                || (s.negative - r.neg).abs() > 0.001
        })
        .map(|r| r.text.as_str())
        .collect();
    println!(
        "VADER proportions: {}/{} agree within 0.001",
        references.len() - mismatches.len(),
        references.len()
    );
    let rate = mismatches.len() as f64 / references.len() as f64;
    assert!(rate <= 0.05, "proportions differ for {mismatches:?}");
}
