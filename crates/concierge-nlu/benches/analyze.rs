//! Latency of [`Analyzer::analyze`] on a typical 30-word support message and
//! of the intent classifier alone, and batch throughput, with the default
//! Salesforce-support model: sparse-only, then (when `make models` has
//! fetched all-MiniLM-L6-v2) with the dense encoder on one thread. Also the
//! time to load a saved model and the encoder.
//!
//! `cargo bench -p concierge-nlu --bench analyze`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use concierge_nlu::dense::{DenseEncoder, DenseOptions};
use concierge_nlu::entities::EntityConfig;
use concierge_nlu::intent::{Encoder, IntentModel};
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
    percentiles("analyze/30_words (sparse)", &analyzer, &ctx, 5_000);
    load_times(&analyzer);

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

    if let Some(dense) = dense_analyzer() {
        percentiles("analyze/30_words (dense, 1 thread)", &dense, &ctx, 300);
        let mut group = c.benchmark_group("dense");
        group.sample_size(20);
        group.bench_function("analyze/30_words", |b| {
            b.iter(|| dense.analyze(black_box(MESSAGE), &ctx).unwrap())
        });
        group.throughput(Throughput::Elements(BATCH.len() as u64));
        group.bench_function("classify_batch/8_messages", |b| {
            b.iter(|| dense.model().classify_batch(black_box(&BATCH)))
        });
        group.finish();
    }
}

fn percentiles(name: &str, analyzer: &Analyzer, ctx: &Context, calls: usize) {
    let mut micros: Vec<f64> = (0..calls)
        .map(|_| {
            let started = Instant::now();
            black_box(analyzer.analyze(black_box(MESSAGE), ctx).unwrap());
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((q * micros.len() as f64) as usize).min(micros.len() - 1)];
    println!(
        "{name} single calls: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        at(0.50),
        at(0.99),
        at(1.0)
    );
}

/// Time to read the default model back from a file.
fn load_times(analyzer: &Analyzer) {
    let path = std::env::temp_dir().join(format!("bench-default-{}.model", std::process::id()));
    analyzer.model().save(&path).unwrap();
    let bytes = std::fs::metadata(&path).unwrap().len();
    let started = Instant::now();
    let loaded = IntentModel::load(&path).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    black_box(loaded);
    std::fs::remove_file(&path).unwrap();
    println!("model load (sparse default, {bytes} bytes): {seconds:.3} s");
}

/// The default model trained with all-MiniLM-L6-v2 (cached in the target
/// directory), the encoder on one thread; `None` without `make models`.
fn dense_analyzer() -> Option<Analyzer> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/all-minilm-l6-v2");
    let options = DenseOptions {
        threads: Some(1),
        ..DenseOptions::default()
    };
    let started = Instant::now();
    let encoder = DenseEncoder::load_if_present(&dir, &options).unwrap()?;
    println!(
        "dense encoder load: {:.3} s",
        started.elapsed().as_secs_f64()
    );
    let encoder: Arc<dyn Encoder> = Arc::new(encoder);
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-nlu");
    let model = IntentModel::load_or_train_default(&cache, Some(encoder)).unwrap();
    Some(Analyzer::new(model, EntityConfig::default()))
}

criterion_group!(benches, bench);
criterion_main!(benches);
