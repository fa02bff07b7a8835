#!/usr/bin/env bash
# Builds the product in release mode and serves it at http://127.0.0.1:3000.
#
# Installs what is missing first (idempotent): the wasm32 target,
# wasm-bindgen-cli and wasm-opt at pinned versions, and the
# PostgreSQL server binaries when no DATABASE_URL is set (the server then runs
# its own cluster under ./data). Extra arguments go to the server, e.g.
# `scripts/run.sh --demo` (a demo property in an empty database) or
# `scripts/run.sh --listen 0.0.0.0:3000`; `scripts/run.sh --help` lists every
# setting.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_build_tools
[ -n "${DATABASE_URL:-}" ] || ensure_postgres_binaries

cd "$ROOT"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$ROOT/target/site}"
build_site release "$LEPTOS_SITE_ROOT"
log "building the server (release)"
cargo build --locked --release -p server
log "serving on http://${ROOMBOOK_LISTEN:-127.0.0.1:3000}"
exec "$(cargo_target_dir)/release/server" "$@"
