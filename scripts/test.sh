#!/usr/bin/env bash
# Runs every check and test: formatting, clippy for the server and the WASM
# feature sets separately, then unit, integration and end-to-end (headless
# Chromium) tests against a real PostgreSQL, a fresh database per test.
#
# Uses the PostgreSQL at DATABASE_URL, else the one on 127.0.0.1:5432 if it
# answers, else starts the server's embedded cluster for the run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_build_tools
ensure_chromium
cd "$ROOT"
# cargo-leptos compiles debug builds with this flag (and LEPTOS_OUTPUT_NAME,
# see .cargo/config.toml); clippy and the tests use the same so that all of
# them share one set of compiled dependencies. cargo-leptos itself must not
# see it, or it would add the flag twice.
erase_components="--cfg erase_components"
export LEPTOS_SITE_ROOT="$ROOT/target/site"

log "cargo fmt --check"
cargo fmt --all --check

log "clippy: server feature set (ssr)"
RUSTFLAGS="$erase_components" cargo clippy --locked -p server -p app -p shared-schema -p end2end -p bench --all-targets -- -D warnings

log "clippy: browser feature set (hydrate, wasm32)"
RUSTFLAGS="$erase_components" cargo clippy --locked -p frontend -p app -p shared-schema --target wasm32-unknown-unknown -- -D warnings

log "building the site and server (cargo leptos build)"
env -u RUSTFLAGS cargo leptos build

RUSTFLAGS="$erase_components" with_test_database run_tests
