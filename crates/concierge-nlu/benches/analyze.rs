//! Latency of [`Analyzer::analyze`] on a typical 30-word support message and
//! of the intent classifier alone, and batch throughput, with the default
//! (sparse-only) Salesforce-support model.
//!
//! `cargo bench -p concierge-nlu --bench analyze`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use concierge_nlu::{Analyzer, Context};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// 30 words.
const MESSAGE: &str = "Hi, since this morning I cannot log in to our production org, it says my \
     password expired and the reset email never arrives. Can you help me with this please?";

const BATCH: [&str; 8] = [
    MESSAGE,
    "I want a refund for the duplicate charge of $1,299.00 on invoice INV-20931",
    "Our Apex trigger hits System.LimitException: Too many SOQL queries: 101 since yesterday",
    "How do I add a new user to Sales Cloud and give them the right profile?",
    "what's the weather like in Paris tomorrow",
    "The API returns INVALID_SESSION_ID when our integration calls /services/data/v59.0",
    "please cancel my subscription at the end of the month",
    "THIS IS THE THIRD TIME I ASK, NOBODY ANSWERS, I WANT A MANAGER NOW!!!",
];

fn bench(c: &mut Criterion) {
    let analyzer = Analyzer::try_default().expect("default model");
    let ctx = Context::now();
    assert_eq!(MESSAGE.split_whitespace().count(), 30);

    // Criterion reports means; the target is on the 99th percentile, so time
    // single calls too and print their percentiles.
    let mut micros: Vec<f64> = (0..5_000)
        .map(|_| {
            let started = Instant::now();
            black_box(analyzer.analyze(black_box(MESSAGE), &ctx).unwrap());
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((q * micros.len() as f64) as usize).min(micros.len() - 1)];
    println!(
        "analyze/30_words single calls: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        at(0.50),
        at(0.99),
        at(1.0)
    );

    c.bench_function("analyze/30_words", |b| {
        b.iter(|| analyzer.analyze(black_box(MESSAGE), &ctx).unwrap())
    });
    c.bench_function("classify/30_words", |b| {
        b.iter(|| analyzer.model().classify(black_box(MESSAGE)))
    });

    let mut group = c.benchmark_group("analyze_batch");
    group.throughput(Throughput::Elements(BATCH.len() as u64));
    group.bench_function("8_messages", |b| {
        b.iter(|| {
            for text in BATCH {
                black_box(analyzer.analyze(black_box(text), &ctx).unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
