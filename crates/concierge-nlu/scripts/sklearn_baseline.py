#!/usr/bin/env python3
"""The scikit-learn baseline Concierge's intent classifier is compared with
in docs/PERFORMANCE.md: TF-IDF + logistic regression, trained and measured
on exactly the files `concierge nlu eval` reads.

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn
    concierge nlu split --data ../shared/data/banking77/train.csv \
        --fraction 0.2 --seed 2024 --train-out b77-train.csv --test-out b77-test.csv
    /tmp/skl/bin/python crates/concierge-nlu/scripts/sklearn_baseline.py \
        --train b77-train.csv --test b77-test.csv

Input: CSV files with a header `text,category` (Banking77's format; the
category `out_of_scope` marks out-of-scope examples, as `nlu split` writes
them). Output: one JSON object with the keys `concierge nlu eval --json`
uses (accuracy, macro_f1, n, train_seconds, p50_us, p99_us) for each model:

- `tfidf_word_lr`: word 1–2-gram TF-IDF + LogisticRegression, the usual
  baseline;
- `tfidf_word_char_lr`: the same feature families Concierge uses (word 1–3
  and char_wb 2–5, sublinear tf) + LogisticRegression;
- `tfidf_word_char_svm`: those features + LinearSVC (Concierge's classifier
  family).

Latency is per message: `predict([text])` on one message at a time, as a
service classifies a message when it arrives, on one thread.
"""

import argparse
import csv
import json
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.pipeline import FeatureUnion, make_pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def word_char():
    return FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True)),
            (
                "char",
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            ),
        ]
    )


MODELS = {
    "tfidf_word_lr": lambda: make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=10.0, max_iter=2000),
    ),
    "tfidf_word_char_lr": lambda: make_pipeline(
        word_char(), LogisticRegression(C=10.0, max_iter=2000)
    ),
    "tfidf_word_char_svm": lambda: make_pipeline(word_char(), LinearSVC(C=1.0)),
}


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def measure(name, train, test, latency_sample):
    x_train, y_train = train
    x_test, y_test = test
    model = MODELS[name]()
    started = time.perf_counter()
    model.fit(x_train, y_train)
    train_seconds = time.perf_counter() - started
    predicted = model.predict(x_test)
    latencies = []
    for text in x_test[:latency_sample]:
        started = time.perf_counter()
        model.predict([text])
        latencies.append((time.perf_counter() - started) * 1e6)
    return {
        "accuracy": accuracy_score(y_test, predicted),
        "macro_f1": f1_score(y_test, predicted, average="macro"),
        "n": len(y_test),
        "train_seconds": train_seconds,
        "p50_us": statistics.median(latencies),
        "p99_us": percentile(latencies, 0.99),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--model", choices=sorted(MODELS), action="append")
    parser.add_argument("--latency-sample", type=int, default=1000)
    args = parser.parse_args()
    train, test = read(args.train), read(args.test)
    import sklearn

    out = {"sklearn": sklearn.__version__}
    for name in args.model or list(MODELS):
        out[name] = measure(name, train, test, args.latency_sample)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
