#!/usr/bin/env bash
# The REST API's contract, checked against a real server as a third party
# meets it:
#   1. the OpenAPI document it serves is valid OpenAPI (openapi-spec-validator);
#   2. the README's "Integrating" walk-through runs as written;
#   3. schemathesis generates requests from the document (examples, coverage,
#      fuzzing and stateful phases, every check) with two guest identities and
#      an admin, and must find nothing.
#
# Starts `server` on a free port with a fresh database (dropped afterwards)
# and raised rate limits, so the fuzzer measures the contract, not the
# limiter. Needs a PostgreSQL that accepts `create database`: DATABASE_URL,
# else the one on 127.0.0.1:5432 (scripts/test.sh runs it inside
# `with_test_database`). Bounded in time: SCHEMATHESIS_MAX_EXAMPLES (default
# 30) cases per operation and phase, SCHEMATHESIS_MAX_TIME seconds (default
# 210) for all but sign-out, 20 for sign-out. One worker: hypothesis' lambda
# descriptions call `ast.parse`, which Python 3.11 can fail with a
# recursion-depth mismatch when threads run it at once.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_api_contract_tools
command -v psql >/dev/null || apt_install postgresql-client
command -v jq >/dev/null || apt_install jq
command -v curl >/dev/null || apt_install curl
cd "$ROOT"
VENV_BIN="$API_TOOLS_VENV/bin"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-30}"
MAX_TIME="${SCHEMATHESIS_MAX_TIME:-210}"

# scripts/test.sh passes the binary it has just built (ROOMBOOK_SERVER_BIN)
# rather than have cargo build the server alone with other features.
SERVER_BIN="${ROOMBOOK_SERVER_BIN:-}"
if [ ! -x "$SERVER_BIN" ]; then
    log "building the server"
    cargo build --locked -p server --bin server
    SERVER_BIN="$(cargo_target_dir)/debug/server"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/roombook-contract.XXXXXX")"
BASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DB_NAME="roombook_contract_$$"
DB_URL="${BASE_URL%/*}/$DB_NAME"
SERVER_PID=""

cleanup() {
    local status=$?
    if [ -n "$SERVER_PID" ]; then
        kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    fi
    psql -q "$BASE_URL" -c "drop database if exists $DB_NAME with (force)" >/dev/null 2>&1 || true
    if [ "$status" -ne 0 ]; then
        echo "server log: $WORK/server.log" >&2
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT

psql -q "$BASE_URL" -c "create database $DB_NAME" >/dev/null
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
API="http://127.0.0.1:$PORT"
mkdir -p "$WORK/site"

export DATABASE_URL="$DB_URL" ROOMBOOK_TIME_ZONE=UTC ROOMBOOK_LOG_FORMAT=text RUST_LOG=warn
log "starting the server on $API"
"$SERVER_BIN" --listen "127.0.0.1:$PORT" --site-root "$WORK/site" \
    --rate-limit-per-minute 1000000 --auth-rate-limit-per-15-min 1000000 \
    serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
    curl -fsS "$API/readyz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.2
done
curl -fsS "$API/readyz" >/dev/null

log "openapi-spec-validator on the served document"
curl -fsS "$API/api-docs/openapi.json" -o "$WORK/openapi.json"
"$VENV_BIN/openapi-spec-validator" "$WORK/openapi.json"

log "identities: two guests and an admin"
password="contract-run-password-$$"
token_of() { jq -er .token; }
register() {
    curl -fsS -H 'Content-Type: application/json' "$API/api/v1/auth/register" \
        -d "{\"email\":\"$1\",\"name\":\"$2\",\"password\":\"$password\"}" | token_of
}
GUEST_A="$(register guest-a@example.com 'Guest A')"
GUEST_B="$(register guest-b@example.com 'Guest B')"
ROOMBOOK_ADMIN_PASSWORD="$password" "$SERVER_BIN" create-admin \
    --email admin@example.com --name Admin >/dev/null
ADMIN="$(curl -fsS -H 'Content-Type: application/json' "$API/api/v1/auth/login" \
    -d "{\"email\":\"admin@example.com\",\"password\":\"$password\"}" | token_of)"
# A room to book, so that positive bookings can succeed from the start.
curl -fsS -o /dev/null -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    "$API/api/v1/admin/rooms" \
    -d '{"name":"Contract Double","description":"","capacity":2,"price_cents":10000,"currency":"EUR","total_inventory":50}'

log "the README's Integrating walk-through"
sed -n '/<!-- integrating-walkthrough:start -->/,/<!-- integrating-walkthrough:end -->/p' README.md |
    sed -n '/^```sh$/,/^```$/p' | sed '/^```/d' >"$WORK/walkthrough.sh"
[ -s "$WORK/walkthrough.sh" ] || { echo "README.md has no walk-through between its markers" >&2; exit 1; }
(cd "$WORK" && API="$API" bash -euo pipefail walkthrough.sh)

# Web Fuzzing Commons auth document: schemathesis tries the identities in
# this order and checks that one guest cannot read what the other created.
jq -n --arg a "$GUEST_A" --arg b "$GUEST_B" --arg admin "$ADMIN" '{auth: [
    {name: "guest-a", fixedHeaders: [{name: "Authorization", value: ("Bearer " + $a)}]},
    {name: "guest-b", fixedHeaders: [{name: "Authorization", value: ("Bearer " + $b)}]},
    {name: "admin", fixedHeaders: [{name: "Authorization", value: ("Bearer " + $admin)}]}
]}' >"$WORK/auth.json"

# From the scratch folder: schemathesis keeps a cache (.schemathesis/) in
# the folder it runs in, which must not land in the clone.
run_schemathesis() {
    (cd "$WORK" && SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$ROOT/scripts/schemathesis" \
        "$VENV_BIN/schemathesis" run "$WORK/openapi.json" --url "$API" \
        --checks all --phases examples,coverage,fuzzing,stateful \
        --max-examples "$MAX_EXAMPLES" --seed 1 --no-color \
        --request-timeout 20 --workers 1 --warnings off \
        --report junit --report-dir "$WORK/report" "$@")
}

# What ends or changes the caller's own sign-in: fuzzed last, alone, with an
# account of its own.
ACCOUNT_OPERATIONS='^(logout|logout_everywhere|change_password)$'

log "schemathesis: every operation but the account's own (max $MAX_EXAMPLES examples, ${MAX_TIME}s)"
run_schemathesis --auth-wfc "$WORK/auth.json" \
    --exclude-operation-id-regex "$ACCOUNT_OPERATIONS" --max-time "$MAX_TIME"

# Sign-out (everywhere) revokes the token it is sent with, and a password
# change needs the account's current password, which no schema can hold: a
# schema-valid body with another one is rightly refused (422 naming
# `current_password`, as the document says), so the positive-data check is
# left out here and only here. Every other check still runs.
log "schemathesis: sign-out, sign-out everywhere, password change"
ACCOUNT="$(register guest-c@example.com 'Guest C')"
run_schemathesis -H "Authorization: Bearer $ACCOUNT" \
    --include-operation-id-regex "$ACCOUNT_OPERATIONS" \
    --exclude-checks positive_data_acceptance --max-time 40

log "API contract: no failures"
