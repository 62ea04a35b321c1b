//! `concierge nlu …`: train, evaluate and try the understanding library
//! (`concierge-nlu`) from the command line.
//!
//! - `eval` trains on one file and scores another (`--train/--test`), scores
//!   a stratified held-out share of one file (`--data --holdout`), or scores
//!   a saved model (`--model --test`); the result is an [`EvalReport`].
//! - `train` trains a model and saves it.
//! - `analyze` runs the whole [`Analyzer`] over one message.
//! - `split` writes a stratified held-out split as Banking77 CSV, so the same
//!   two files can go to `eval --train/--test` and to any other tool.
//!
//! Data files are whatever [`data::load`] reads (intents YAML/JSON, Banking77
//! CSV, CLINC150 JSON with a split). Results go to stdout, as text or, with
//! `--json`, as JSON; notes and errors go to stderr. The work is CPU-bound
//! and blocking, so the dispatcher runs it off the async runtime.

use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context as _};
use clap::{ArgGroup, Args, ValueEnum};
use concierge_nlu::data::{self, Dataset};
use concierge_nlu::entities::EntityConfig;
use concierge_nlu::eval::{evaluate, evaluate_holdout, evaluate_model, EvalOptions, EvalReport};
use concierge_nlu::intent::{CalibrationReport, Encoder, IntentModel, ModelError, TrainOptions};
use concierge_nlu::{Analysis, Analyzer, Context, SentimentLabel};
use serde::Serialize;

use crate::cli::NluCommand;

/// Share of `--data` held out by `eval` when `--holdout` is not given.
const DEFAULT_HOLDOUT: f64 = 0.2;
/// Seed of held-out splits when `--seed` is not given.
const DEFAULT_SEED: u64 = 2024;

/// Which dense sentence encoder to use beside the sparse features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncoderChoice {
    /// The best encoder under the models directory, else sparse features
    /// only: all-MiniLM-L6-v2 for intents; for knowledge search the static
    /// encoder when it has been distilled, then all-MiniLM-L6-v2.
    Auto,
    /// Sparse features only.
    None,
    /// all-MiniLM-L6-v2; an error when its files are missing.
    Minilm,
    /// The static encoder distilled from all-MiniLM-L6-v2 (`concierge nlu
    /// distill`): token vectors averaged, microseconds per text; an error
    /// when its files are missing.
    Static,
}

/// Options of `concierge nlu distill`.
#[derive(Debug, Args)]
pub struct DistillArgs {
    /// Directory holding the models; MiniLM is read from its
    /// `all-minilm-l6-v2/`, the result written to `all-minilm-l6-v2-static/`
    /// [default: $CONCIERGE_MODELS_DIR, else ./models].
    #[arg(long, value_name = "DIR")]
    pub models_dir: Option<PathBuf>,
    /// Distil again even when the static encoder is already there.
    #[arg(long)]
    pub force: bool,
}

/// The encoder and compute options of the commands that train or load models.
#[derive(Debug, Clone, Args)]
pub struct EncoderArgs {
    /// Dense sentence encoder: `auto` uses the best one under the models
    /// directory (`make models` fetches and distils them; intents: MiniLM;
    /// knowledge search: the static encoder, then MiniLM), `none` uses
    /// sparse features only, `minilm` and `static` require that encoder.
    #[arg(long, value_enum, default_value_t = EncoderChoice::Auto)]
    pub encoder: EncoderChoice,
    /// Directory holding the models [default: $CONCIERGE_MODELS_DIR, else ./models].
    #[arg(long, value_name = "DIR")]
    pub models_dir: Option<PathBuf>,
    /// Threads for training and the encoder [default: every core].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// How training calibrates the out-of-scope threshold.
#[derive(Debug, Clone, Args)]
pub struct CalibrationArgs {
    /// Choose the out-of-scope threshold for this out-of-scope recall on
    /// held-out folds of the training data, between 0 and 1 (e.g. 0.9)
    /// [default: the threshold that maximises in-scope accuracy + 0.25 ×
    /// out-of-scope recall]. Needs out-of-scope examples in the training data.
    #[arg(long, value_name = "R", value_parser = fraction)]
    pub oos_recall: Option<f64>,
}

/// Options of `concierge nlu eval`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["train", "data", "model"])))]
pub struct EvalArgs {
    /// Train on this file and evaluate on --test.
    #[arg(long, value_name = "FILE", requires = "test")]
    pub train: Option<PathBuf>,
    /// The split of --train to use (CLINC150: train, val or test).
    #[arg(long, value_name = "S", requires = "train")]
    pub train_split: Option<String>,
    /// Evaluate on this file.
    #[arg(long, value_name = "FILE")]
    pub test: Option<PathBuf>,
    /// The split of --test to use (CLINC150: train, val or test).
    #[arg(long, value_name = "S", requires = "test")]
    pub test_split: Option<String>,
    /// Evaluate this model file (from `concierge nlu train`) on --test.
    #[arg(long, value_name = "MODEL", requires = "test")]
    pub model: Option<PathBuf>,
    /// Train and evaluate on one file: hold out --holdout of each intent,
    /// train on the rest.
    #[arg(long, value_name = "FILE", conflicts_with = "test")]
    pub data: Option<PathBuf>,
    /// The split of --data to use (CLINC150: train, val or test).
    #[arg(long, value_name = "S", requires = "data")]
    pub split: Option<String>,
    /// Share of each intent of --data held out for evaluation, between 0 and 1 [default: 0.2].
    #[arg(long, value_name = "F", requires = "data", value_parser = fraction)]
    pub holdout: Option<f64>,
    /// Seed of the held-out split [default: 2024].
    #[arg(long, value_name = "N", requires = "data")]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub encoder: EncoderArgs,
    #[command(flatten)]
    pub calibration: CalibrationArgs,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `concierge nlu train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The training data.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The split of --data to use (CLINC150: train, val or test).
    #[arg(long, value_name = "S")]
    pub split: Option<String>,
    /// Where to write the model.
    #[arg(long, value_name = "MODEL")]
    pub out: PathBuf,
    #[command(flatten)]
    pub encoder: EncoderArgs,
    #[command(flatten)]
    pub calibration: CalibrationArgs,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `concierge nlu analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The message to analyse.
    pub text: String,
    /// Intent model file (from `concierge nlu train`) [default: the built-in
    /// Salesforce-support model].
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    /// The conversation's language (en, pt-BR …), used when the text is too
    /// short to tell.
    #[arg(long, value_name = "xx")]
    pub language_hint: Option<String>,
    #[command(flatten)]
    pub encoder: EncoderArgs,
    /// Print the analysis as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `concierge nlu split`.
#[derive(Debug, Args)]
pub struct SplitArgs {
    /// The data to split.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The split of --data to use (CLINC150: train, val or test).
    #[arg(long, value_name = "S")]
    pub split: Option<String>,
    /// Share of each intent held out (out of scope counts as one intent),
    /// between 0 and 1.
    #[arg(long, value_name = "F", default_value_t = DEFAULT_HOLDOUT, value_parser = fraction)]
    pub fraction: f64,
    /// Seed of the split: the same data, fraction and seed give the same files.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Where to write the rest, as Banking77 CSV (text,category).
    #[arg(long, value_name = "A.csv")]
    pub train_out: PathBuf,
    /// Where to write the held-out share, as Banking77 CSV (text,category).
    #[arg(long, value_name = "B.csv")]
    pub test_out: PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs one `concierge nlu` command (blocking).
/// `data_dir` (`--data-dir`, default `./data`) keeps the built-in model
/// trained with the dense encoder, under `nlu/`, so it is trained once.
pub fn run(command: NluCommand, data_dir: &Path) -> anyhow::Result<()> {
    match command {
        NluCommand::Eval(args) => eval(args),
        NluCommand::Train(args) => train(args),
        NluCommand::Analyze(args) => analyze(args, data_dir),
        NluCommand::Split(args) => split(args),
        NluCommand::Distill(args) => distill(&args),
    }
}

fn eval(args: EvalArgs) -> anyhow::Result<()> {
    let report = match (&args.model, &args.data, &args.train, &args.test) {
        (Some(model), _, _, Some(test)) => {
            let test = load_data(test, args.test_split.as_deref())?;
            let model = load_model(model, &args.encoder)?;
            evaluate_model(&model, &test).context("evaluating the model")?
        }
        (None, Some(path), _, _) => {
            let data = load_data(path, args.split.as_deref())?;
            let fraction = args.holdout.unwrap_or(DEFAULT_HOLDOUT);
            let seed = args.seed.unwrap_or(DEFAULT_SEED);
            // Cheap beside training: fail before training when nothing would
            // be held out.
            let (_, held_out) = data.stratified_split(fraction, seed);
            if held_out.examples.is_empty() {
                bail!("{}", nothing_held_out(path, fraction, "--holdout"));
            }
            let options = eval_options(&args.encoder, &args.calibration)?;
            evaluate_holdout(&data, fraction, seed, &options)
                .with_context(|| format!("training on {}", path.display()))?
        }
        (None, None, Some(train), Some(test)) => {
            let train_data = load_data(train, args.train_split.as_deref())?;
            let test_data = load_data(test, args.test_split.as_deref())?;
            let options = eval_options(&args.encoder, &args.calibration)?;
            evaluate(&train_data, &test_data, &options)
                .with_context(|| format!("training on {}", train.display()))?
        }
        // clap requires one of --train, --data and --model, and --test with
        // --train and --model.
        _ => bail!("give --train and --test, --data, or --model and --test"),
    };
    if args.json {
        emit_json(&report)
    } else {
        emit(&report_text(&report)?)
    }
}

/// What `concierge nlu train` prints.
#[derive(Debug, Serialize)]
struct TrainSummary<'a> {
    model: String,
    dataset: &'a str,
    intents: usize,
    examples: usize,
    oos_examples: usize,
    train_seconds: f64,
    threshold: f32,
    temperature: f32,
    encoders: Vec<String>,
    features: usize,
    model_bytes: u64,
    calibration: Option<&'a CalibrationReport>,
}

fn train(args: TrainArgs) -> anyhow::Result<()> {
    let data = load_data(&args.data, args.split.as_deref())?;
    let encoder = dense_encoder(args.encoder.encoder, &args.encoder)?;
    let model = IntentModel::train_with_encoder(
        &data,
        &train_options(&args.encoder, &args.calibration),
        encoder,
    )
    .with_context(|| format!("training on {}", args.data.display()))?;
    model.save(&args.out).map_err(flat)?;
    let model_bytes = std::fs::metadata(&args.out)
        .with_context(|| format!("cannot read {}", args.out.display()))?
        .len();
    let info = model.info();
    let summary = TrainSummary {
        model: args.out.display().to_string(),
        dataset: &data.name,
        intents: model.intents().len(),
        examples: info.examples,
        oos_examples: info.oos_examples,
        train_seconds: info.seconds,
        threshold: model.threshold(),
        temperature: model.temperature(),
        encoders: model.encoders(),
        features: model.feature_count(),
        model_bytes,
        calibration: info.calibration.as_ref(),
    };
    if args.json {
        emit_json(&summary)
    } else {
        emit(&train_text(&summary)?)
    }
}

fn train_text(s: &TrainSummary<'_>) -> Result<String, fmt::Error> {
    let mut out = String::new();
    writeln!(out, "model saved to {}", s.model)?;
    writeln!(out, "  dataset      {}", s.dataset)?;
    writeln!(out, "  intents      {}", s.intents)?;
    writeln!(
        out,
        "  examples     {} ({} out of scope)",
        s.examples + s.oos_examples,
        s.oos_examples
    )?;
    writeln!(out, "  training     {:.2} s", s.train_seconds)?;
    writeln!(
        out,
        "  threshold    {:.3} (temperature {:.3})",
        s.threshold, s.temperature
    )?;
    if let Some(c) = s.calibration {
        let oos = c
            .oos_recall
            .map(|r| format!(", out-of-scope recall {r:.3}"))
            .unwrap_or_default();
        writeln!(
            out,
            "  calibration  {} folds: in-scope accuracy {:.3}{oos}",
            c.folds, c.in_scope_accuracy
        )?;
    }
    writeln!(out, "  encoders     {}", s.encoders.join(", "))?;
    writeln!(
        out,
        "  size         {} features, {} bytes",
        s.features, s.model_bytes
    )?;
    Ok(out)
}

fn analyze(args: AnalyzeArgs, data_dir: &Path) -> anyhow::Result<()> {
    let model = match &args.model {
        Some(path) => load_model(path, &args.encoder)?,
        // The built-in model: with the dense encoder when there is one
        // (trained on first use, then loaded from the data directory).
        None => {
            let encoder = dense_encoder(args.encoder.encoder, &args.encoder)?;
            let cache = data_dir.join("nlu");
            IntentModel::load_or_train_default(&cache, encoder)
                .with_context(|| format!("the built-in intent model (cache {})", cache.display()))?
        }
    };
    let analyzer = Analyzer::new(model, EntityConfig::default());
    let mut context = Context::now();
    if let Some(hint) = &args.language_hint {
        context = context.with_language_hint(hint.clone());
    }
    let analysis = analyzer.analyze(&args.text, &context)?;
    if args.json {
        emit_json(&analysis)
    } else {
        emit(&analysis_text(&analysis)?)
    }
}

/// One side of a split, as `concierge nlu split` reports it.
#[derive(Debug, Serialize)]
struct SplitPart {
    path: String,
    examples: usize,
    oos_examples: usize,
}

/// What `concierge nlu split` prints.
#[derive(Debug, Serialize)]
struct SplitSummary {
    dataset: String,
    fraction: f64,
    seed: u64,
    train: SplitPart,
    test: SplitPart,
}

fn split(args: SplitArgs) -> anyhow::Result<()> {
    for (flag, out) in [
        ("--train-out", &args.train_out),
        ("--test-out", &args.test_out),
    ] {
        // `data::load` recognises Banking77 CSV by its extension.
        if !out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            bail!("{flag} {}: the file name must end in .csv", out.display());
        }
        if same_file(out, &args.data) {
            bail!("{flag} {} would overwrite --data", out.display());
        }
    }
    if same_file(&args.train_out, &args.test_out) {
        bail!("--train-out and --test-out are the same file");
    }
    let data = load_data(&args.data, args.split.as_deref())?;
    let (rest, held_out) = data.stratified_split(args.fraction, args.seed);
    if held_out.examples.is_empty() {
        bail!(
            "{}",
            nothing_held_out(&args.data, args.fraction, "--fraction")
        );
    }
    data::save_banking77_csv(&rest, &args.train_out).map_err(flat)?;
    data::save_banking77_csv(&held_out, &args.test_out).map_err(flat)?;
    let part = |path: &Path, d: &Dataset| SplitPart {
        path: path.display().to_string(),
        examples: d.examples.len(),
        oos_examples: d.out_of_scope_len(),
    };
    let summary = SplitSummary {
        dataset: data.name.clone(),
        fraction: args.fraction,
        seed: args.seed,
        train: part(&args.train_out, &rest),
        test: part(&args.test_out, &held_out),
    };
    if args.json {
        emit_json(&summary)
    } else {
        emit(&split_text(&summary)?)
    }
}

fn split_text(summary: &SplitSummary) -> Result<String, fmt::Error> {
    let mut out = String::new();
    for (what, p) in [("rest", &summary.train), ("held out", &summary.test)] {
        writeln!(
            out,
            "{what:<9} {} examples ({} out of scope) -> {}",
            p.examples, p.oos_examples, p.path
        )?;
    }
    writeln!(
        out,
        "{:.0}% of each intent held out (seed {}); evaluate with",
        summary.fraction * 100.0,
        summary.seed
    )?;
    let (train, test) = (&summary.train.path, &summary.test.path);
    writeln!(out, "  concierge nlu eval --train {train} --test {test}")?;
    Ok(out)
}

/// Why a held-out split of `path` came out empty.
fn nothing_held_out(path: &Path, fraction: f64, flag: &str) -> String {
    format!(
        "{}: holding out {fraction} of each intent selects no examples \
         (an intent gives round({fraction} × its size) of them, none when it has \
         a single example); try a larger {flag}",
        path.display()
    )
}

/// `a` and `b` name the same file (as written, or once resolved when both exist).
fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (a.canonicalize(), b.canonicalize()),
            (Ok(a), Ok(b)) if a == b
        )
}

/// Parses a share strictly between 0 and 1.
fn fraction(s: &str) -> Result<f64, String> {
    let f: f64 = s.trim().parse().map_err(|e| format!("{e}"))?;
    if f > 0.0 && f < 1.0 {
        Ok(f)
    } else {
        Err("expected a number between 0 and 1, e.g. 0.2".to_owned())
    }
}

fn load_data(path: &Path, split: Option<&str>) -> anyhow::Result<Dataset> {
    // `DataError` names the file, and the line and field where known.
    data::load(path, split).map_err(flat)
}

/// An error whose message already includes its cause (`DataError::Io`,
/// `ModelError::Io`), without the cause chain that would print the cause
/// twice.
fn flat(e: impl fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn train_options(args: &EncoderArgs, calibration: &CalibrationArgs) -> TrainOptions {
    let mut options = TrainOptions::default();
    if let Some(threads) = args.threads {
        options.threads = threads;
    }
    options.oos_recall_target = calibration.oos_recall;
    options
}

fn eval_options(args: &EncoderArgs, calibration: &CalibrationArgs) -> anyhow::Result<EvalOptions> {
    Ok(EvalOptions {
        train: train_options(args, calibration),
        encoder: dense_encoder(args.encoder, args)?,
    })
}

/// Loads a model file, with the dense encoder when the model was trained
/// with one (`--encoder auto` then requires its files).
fn load_model(path: &Path, args: &EncoderArgs) -> anyhow::Result<IntentModel> {
    let context = || format!("cannot load the model {}", path.display());
    match IntentModel::load(path) {
        Err(ModelError::EncoderRequired { name, .. }) => {
            if args.encoder == EncoderChoice::None {
                bail!(
                    "{}: the model was trained with the {name} encoder; \
                     drop --encoder none to load it",
                    path.display()
                );
            }
            let encoder = dense_encoder(EncoderChoice::Minilm, args)?;
            IntentModel::load_with_encoder(path, encoder)
                .map_err(flat)
                .with_context(context)
        }
        loaded => loaded.map_err(flat).with_context(context),
    }
}

#[cfg(feature = "dense")]
fn distill(args: &DistillArgs) -> anyhow::Result<()> {
    use concierge_nlu::dense::{self, DenseEncoder, DenseOptions, StaticEncoder};

    let (from, to) = match &args.models_dir {
        Some(models) => models_dirs(models),
        None => (dense::default_dir(), dense::default_static_dir()),
    };
    if !args.force && StaticEncoder::load(&to).is_ok() {
        eprintln!("distill: {} is already there", to.display());
        return Ok(());
    }
    let started = Instant::now();
    let minilm = DenseEncoder::load_with(&from, &DenseOptions::default())
        .with_context(|| format!("loading the dense encoder from {}", from.display()))?;
    let distilled = StaticEncoder::distill(&minilm).context("distilling the static encoder")?;
    distilled
        .save(&to)
        .with_context(|| format!("writing the static encoder to {}", to.display()))?;
    eprintln!(
        "distill: {} token vectors from {} written to {} in {:.1} s",
        distilled.vocab(),
        from.display(),
        to.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(not(feature = "dense"))]
fn distill(_args: &DistillArgs) -> anyhow::Result<()> {
    bail!("this build of concierge has no dense encoder (built without the `dense` feature)")
}

/// The dense encoder `choice` asks for: `None` for sparse-only.
#[cfg(feature = "dense")]
pub(crate) fn dense_encoder(
    choice: EncoderChoice,
    args: &EncoderArgs,
) -> anyhow::Result<Option<Arc<dyn Encoder>>> {
    use concierge_nlu::dense::{self, DenseEncoder, DenseOptions, StaticEncoder};

    let dir = match &args.models_dir {
        Some(models) => models.join(dense::MODEL_NAME),
        None => dense::default_dir(),
    };
    let options = DenseOptions {
        threads: args.threads.filter(|&n| n > 0),
        ..DenseOptions::default()
    };
    let context = || format!("loading the dense encoder from {}", dir.display());
    let encoder = match choice {
        EncoderChoice::None => None,
        EncoderChoice::Static => {
            let dir = static_dir(args);
            let encoder = StaticEncoder::load(&dir).with_context(|| {
                format!(
                    "loading the static encoder from {} (`concierge nlu distill` makes it)",
                    dir.display()
                )
            })?;
            return Ok(Some(Arc::new(encoder)));
        }
        EncoderChoice::Minilm => {
            Some(DenseEncoder::load_with(&dir, &options).with_context(context)?)
        }
        EncoderChoice::Auto => {
            let found = DenseEncoder::load_if_present(&dir, &options).with_context(context)?;
            if found.is_none() {
                eprintln!(
                    "note: no dense encoder in {} (`make models` fetches it); sparse features only",
                    dir.display()
                );
            }
            found
        }
    };
    Ok(encoder.map(|e| Arc::new(e) as Arc<dyn Encoder>))
}

/// MiniLM's and the static encoder's directories under `models`.
#[cfg(feature = "dense")]
fn models_dirs(models: &Path) -> (PathBuf, PathBuf) {
    use concierge_nlu::dense;
    (
        models.join(dense::MODEL_NAME),
        models.join(dense::STATIC_MODEL_NAME),
    )
}

/// Where the static encoder is read from.
#[cfg(feature = "dense")]
fn static_dir(args: &EncoderArgs) -> PathBuf {
    args.models_dir
        .as_deref()
        .map_or_else(concierge_nlu::dense::default_static_dir, |models| {
            models_dirs(models).1
        })
}

/// The knowledge base's encoder: like [`dense_encoder`], except that `auto`
/// prefers the static encoder when it has been distilled (search in well
/// under a millisecond, ingestion at thousands of articles a second) and
/// falls back to MiniLM itself, then to BM25 alone.
pub(crate) fn knowledge_encoder(args: &EncoderArgs) -> anyhow::Result<Option<Arc<dyn Encoder>>> {
    #[cfg(feature = "dense")]
    if args.encoder == EncoderChoice::Auto && static_dir(args).exists() {
        return dense_encoder(EncoderChoice::Static, args);
    }
    dense_encoder(args.encoder, args)
}

/// Without the `dense` feature there is no dense encoder to load.
#[cfg(not(feature = "dense"))]
pub(crate) fn dense_encoder(
    choice: EncoderChoice,
    _args: &EncoderArgs,
) -> anyhow::Result<Option<Arc<dyn Encoder>>> {
    match choice {
        EncoderChoice::None | EncoderChoice::Auto => Ok(None),
        EncoderChoice::Minilm | EncoderChoice::Static => {
            bail!(
                "this build of concierge has no dense encoder (built without the `dense` feature)"
            )
        }
    }
}

/// Writes `text` to stdout. A reader that stops early (`| head`) is not an
/// error.
fn emit(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("cannot write to stdout"))
        }
        _ => Ok(()),
    }
}

fn emit_json(value: &impl Serialize) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    emit(&text)
}

fn report_text(r: &EvalReport) -> Result<String, fmt::Error> {
    let mut out = String::new();
    writeln!(
        out,
        "dataset          {} ({} messages; trained on {}, {} intents)",
        r.dataset, r.n, r.n_train, r.intents
    )?;
    writeln!(out, "accuracy         {:.4}", r.accuracy)?;
    writeln!(out, "macro-F1         {:.4}", r.macro_f1)?;
    for (label, value) in [
        ("in-scope acc.", r.in_scope_accuracy),
        ("oos recall", r.oos_recall),
        ("oos precision", r.oos_precision),
    ] {
        if let Some(v) = value {
            writeln!(out, "{label:<16} {v:.4}")?;
        }
    }
    writeln!(
        out,
        "latency          p50 {:.1} µs, p99 {:.1} µs per message",
        r.p50_us, r.p99_us
    )?;
    writeln!(out, "training         {:.2} s", r.train_seconds)?;
    writeln!(
        out,
        "model            {} features, {} bytes, threshold {:.3}, temperature {:.3}",
        r.features, r.model_bytes, r.threshold, r.temperature
    )?;
    writeln!(out, "encoders         {}", r.encoders.join(", "))?;
    if let Some(c) = r.calibration.as_ref().filter(|c| c.oos_recall.is_some()) {
        let rule = match c.oos_recall_target {
            Some(target) => format!("chosen for out-of-scope recall {target:.2}"),
            None => format!(
                "chosen for in-scope accuracy + {} × out-of-scope recall",
                TrainOptions::default().oos_weight
            ),
        };
        writeln!(
            out,
            "calibration      threshold {rule} on {} held-out folds: in-scope {:.4}, oos recall {:.4}",
            c.folds,
            c.in_scope_accuracy,
            c.oos_recall.unwrap_or_default()
        )?;
    }
    if let Some(h) = r.holdout {
        writeln!(
            out,
            "held out         {:.0}% of each intent, seed {}",
            h.fraction * 100.0,
            h.seed
        )?;
    }
    Ok(out)
}

fn analysis_text(a: &Analysis) -> Result<String, fmt::Error> {
    let mut out = String::new();
    writeln!(
        out,
        "language   {} ({:.2})",
        a.language.code, a.language.confidence
    )?;
    let next: Vec<String> = a
        .intent
        .alternatives
        .iter()
        .map(|s| format!("{} {:.2}", s.name, s.confidence))
        .collect();
    let next = if next.is_empty() {
        String::new()
    } else {
        format!("; next: {}", next.join(", "))
    };
    if a.intent.out_of_scope {
        writeln!(out, "intent     out of scope{next}")?;
    } else {
        writeln!(
            out,
            "intent     {} ({:.2}{next})",
            a.intent.name, a.intent.confidence
        )?;
    }
    if a.entities.is_empty() {
        writeln!(out, "entities   none")?;
    }
    for (i, e) in a.entities.iter().enumerate() {
        let label = if i == 0 { "entities" } else { "" };
        let value = match &e.value {
            serde_json::Value::String(s) if *s == e.text => String::new(),
            v => format!(" = {v}"),
        };
        writeln!(out, "{label:<10} {} {:?}{value}", e.kind, e.text)?;
    }
    let sentiment = match a.sentiment.label {
        SentimentLabel::Negative => "negative",
        SentimentLabel::Neutral => "neutral",
        SentimentLabel::Positive => "positive",
    };
    writeln!(out, "sentiment  {sentiment} ({:+.2})", a.sentiment.compound)?;
    let emotions = &a.emotions;
    let strong: Vec<String> = [
        ("anger", emotions.anger),
        ("frustration", emotions.frustration),
        ("confusion", emotions.confusion),
        ("urgency", emotions.urgency),
        ("anxiety", emotions.anxiety),
        ("satisfaction", emotions.satisfaction),
    ]
    .into_iter()
    .filter(|(_, v)| *v >= 0.1)
    .map(|(name, v)| format!("{name} {v:.2}"))
    .collect();
    writeln!(
        out,
        "emotions   {}",
        if strong.is_empty() {
            "none".to_owned()
        } else {
            strong.join(", ")
        }
    )?;
    writeln!(out, "toxicity   {:.2}", a.toxicity.score)?;
    Ok(out)
}
