#!/usr/bin/env bash
# Lighthouse (npm lighthouse@12, offline, the machine's Chromium, its default
# mobile profile: an emulated mid-range phone on a throttled network) on the
# home page and a room page of a release server with the demo property on a
# scratch database. Prints accessibility, best practices and performance per
# page and keeps the JSON reports in target/lighthouse/.
#
#   scripts/lighthouse.sh            # builds the release site and server first
#   scripts/lighthouse.sh --no-build # uses what is built
#
# LEPTOS_SITE_ROOT (default target/lighthouse-site) and ROOMBOOK_SERVER_BIN
# (default the release server) choose what is measured.
#
# Needs a PostgreSQL that accepts `create database` (DATABASE_URL, else the
# one on 127.0.0.1:5432, else the server's embedded cluster).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LIGHTHOUSE_VERSION="12.8.2"

ensure_lighthouse() {
    local installed="$TOOLS_DIR/node_modules/lighthouse/package.json"
    if [ -f "$installed" ] && grep -q "\"version\": \"$LIGHTHOUSE_VERSION\"" "$installed"; then
        return 0
    fi
    command -v npm >/dev/null || apt_install nodejs npm
    log "installing lighthouse $LIGHTHOUSE_VERSION from npm into $TOOLS_DIR"
    mkdir -p "$TOOLS_DIR"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR" "lighthouse@$LIGHTHOUSE_VERSION"
}

build=1
[ "${1:-}" = --no-build ] && build=""

ensure_chromium
ensure_lighthouse
cd "$ROOT"
site="${LEPTOS_SITE_ROOT:-$ROOT/target/lighthouse-site}"
server_bin="${ROOMBOOK_SERVER_BIN:-$(cargo_target_dir)/release/server}"
out="$ROOT/target/lighthouse"
mkdir -p "$out"
if [ -n "$build" ]; then
    ensure_build_tools
    build_site release "$site"
    log "building the server (release)"
    cargo build --locked --release -p server
fi

# One page: its three scores as "accessibility best-practices performance".
audit() {
    local name="$1" url="$2" profile
    profile="$(mktemp -d)"
    log "lighthouse: $name ($url)"
    CHROME_PATH=/usr/bin/chromium lighthouse "$url" \
        --quiet --output=json --output-path="$out/$name.json" \
        --only-categories=accessibility,best-practices,performance \
        --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --disable-background-networking --disable-component-update --disable-sync --user-data-dir=$profile"
    rm -rf "$profile"
    node -e '
        const r = require(process.argv[1]);
        const s = (c) => Math.round(r.categories[c].score * 100);
        const failed = Object.values(r.audits)
            .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary")
            .map((a) => a.id);
        console.log(`${process.argv[2]}\t${s("accessibility")}\t${s("best-practices")}\t${s("performance")}\t` +
            `LCP ${r.audits["largest-contentful-paint"].displayValue}, TBT ${r.audits["total-blocking-time"].displayValue}` +
            (failed.length ? `\tfailed: ${failed.join(" ")}` : ""));
    ' "$out/$name.json" "$name" >>"$out/scores.tsv"
}

serve_and_audit() {
    local base="${DATABASE_URL%/*}" db="roombook_lighthouse_$$" port=3190
    psql -q "$DATABASE_URL" -c "create database $db"
    local server_log="$out/server.log"
    DATABASE_URL="$base/$db" LEPTOS_SITE_ROOT="$site" \
        "$server_bin" --listen "127.0.0.1:$port" --demo >"$server_log" 2>&1 &
    local pid=$! status=0
    local url="http://127.0.0.1:$port"
    for _ in $(seq 1 600); do
        curl -fsS "$url/readyz" >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    local room
    room="$(psql -Atq "$base/$db" -c "select '/rooms/' || id from rooms order by name limit 1")" || true
    if [ -z "$room" ]; then
        echo "the demo server shows no room (see $server_log)" >&2
        status=1
    else
        : >"$out/scores.tsv"
        audit home "$url/" || status=$?
        audit room "$url$room" || status=$?
    fi
    kill -TERM "$pid" && wait "$pid" || true
    psql -q "$DATABASE_URL" -c "drop database if exists $db" || true
    return "$status"
}

with_test_database serve_and_audit
printf 'page\taccessibility\tbest-practices\tperformance\n'
cat "$out/scores.tsv"
