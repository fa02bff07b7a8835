#!/usr/bin/env bash
# Runs every check and test: formatting, clippy for the server and the WASM
# feature sets separately, then unit, integration and end-to-end (headless
# Chromium) tests against a real PostgreSQL, a fresh database per test, and
# the cluster tests through nginx and the WAF.
#
# Uses the PostgreSQL at DATABASE_URL, else the one on 127.0.0.1:5432 if it
# answers, else starts the server's embedded cluster for the run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_build_tools
ensure_chromium
ensure_redis
ensure_axe
cd "$ROOT"
# Every cargo command here shares one set of compiled crates: the flags they
# need are in .cargo/config.toml, not in the environment.
# Its own site folder: a test run never replaces the site `scripts/run.sh`
# built (release) with a debug one.
export LEPTOS_SITE_ROOT="$ROOT/target/test-site"

log "cargo fmt --check"
cargo fmt --all --check

log "clippy: server feature set (ssr)"
cargo clippy --locked -p server -p app -p shared-schema -p end2end -p bench --all-targets -- -D warnings

log "clippy: guest bundle feature set (hydrate, islands, wasm32)"
cargo clippy --locked -p frontend -p app -p shared-schema --target wasm32-unknown-unknown -- -D warnings
log "clippy: admin bundle feature set (hydrate + admin, wasm32)"
cargo clippy --locked -p frontend -p app -p shared-schema --target wasm32-unknown-unknown --features frontend/admin -- -D warnings

build_site debug "$LEPTOS_SITE_ROOT"
log "building the server and the tests"
cargo build --locked --tests "${TEST_PACKAGES[@]}"

with_test_database run_tests

# The REST API as a third party meets it: the served OpenAPI document
# validated, the README's walk-through run, schemathesis with two guests and
# an admin (about five minutes; scripts/api-contract.sh).
log "API contract"
ROOMBOOK_SERVER_BIN="$(cargo_target_dir)/debug/server" with_test_database bash "$ROOT/scripts/api-contract.sh"

# Three instances behind nginx with the WAF, on their own PostgreSQL and
# Redis: the REST flows and a browser journey pass, attacks get 403.
source "$ROOT/scripts/cluster-test.sh"
run_cluster_tests
