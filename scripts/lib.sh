# Shared helpers for the project's scripts. Source it; do not run it.
# Installs only what is missing, so every script can call `ensure_*` freely.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${ROOMBOOK_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/roombook-tools}"

# Must equal the wasm-bindgen crate version pinned in Cargo.toml / Cargo.lock.
WASM_BINDGEN_VERSION="0.2.130"
# Debian's binaryen (108) emits WASM that breaks hydration; npm's build does not.
BINARYEN_VERSION="132.0.0"
# The accessibility rules the browser tests run (end2end's `assert_accessible`).
AXE_CORE_VERSION="4.14.1"

export PATH="$HOME/.cargo/bin:$TOOLS_DIR/node_modules/.bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_wasm_target() {
    rustup target list --installed | grep -qx wasm32-unknown-unknown && return 0
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
}

ensure_wasm_bindgen() {
    if wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then return 0; fi
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
}

ensure_wasm_opt() {
    if wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then return 0; fi
    # nodesource's nodejs ships npm itself and conflicts with Debian's npm package.
    command -v npm >/dev/null || apt_install nodejs npm
    log "installing binaryen $BINARYEN_VERSION (wasm-opt) from npm into $TOOLS_DIR"
    mkdir -p "$TOOLS_DIR"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR" "binaryen@$BINARYEN_VERSION"
}

# axe-core for the browser tests' accessibility checks, into the tools
# folder like binaryen; the tests read it from AXE_CORE_JS.
ensure_axe() {
    local installed="$TOOLS_DIR/node_modules/axe-core/package.json"
    if [ -f "$installed" ] && grep -q "\"version\": \"$AXE_CORE_VERSION\"" "$installed"; then
        export AXE_CORE_JS="$TOOLS_DIR/node_modules/axe-core/axe.min.js"
        return 0
    fi
    command -v npm >/dev/null || apt_install nodejs npm
    log "installing axe-core $AXE_CORE_VERSION from npm into $TOOLS_DIR"
    mkdir -p "$TOOLS_DIR"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR" "axe-core@$AXE_CORE_VERSION"
    export AXE_CORE_JS="$TOOLS_DIR/node_modules/axe-core/axe.min.js"
}

ensure_postgres_binaries() {
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && return 0
    command -v initdb >/dev/null && return 0
    apt_install postgresql
}

# nginx with ModSecurity v3 and the OWASP Core Rule Set (Debian 12:
# nginx 1.22, libnginx-mod-http-modsecurity 1.0.3, modsecurity-crs 3.3.4),
# brotli_static for precompressed .br files, openssl for the cluster's
# self-signed certificate, curl for its checks.
# On a machine with systemd, installing nginx also starts Debian's own
# nginx service on port 80; scripts/cluster.sh runs a separate nginx with
# its own configuration and never touches that one.
ensure_nginx() {
    apt_install nginx libnginx-mod-http-modsecurity libnginx-mod-http-brotli-static modsecurity-crs openssl curl
}

ensure_redis() {
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
    apt_install redis-server redis-tools
}

ensure_chromium() {
    apt_install chromium chromium-driver
}

ensure_brotli() {
    command -v brotli >/dev/null && return 0
    apt_install brotli
}

ensure_build_tools() {
    apt_install build-essential pkg-config
    ensure_brotli
    ensure_wasm_target
    ensure_wasm_bindgen
    ensure_wasm_opt
}

# Builds the site folder the server serves (`LEPTOS_SITE_ROOT`): two WASM
# bundles with their JS glue in pkg/ (`roombook`, the guest bundle, which
# hydrates only the islands of the pages outside /admin: ADR 0018;
# `roombook-admin`, which hydrates the admin pages whole: ADR 0013), the
# stylesheet, public/. Every file in pkg/ is named by its content hash
# (`roombook.<hash>.js`), so caches may keep it for good; `assets.txt` in
# the site root names them for the server. The steps cargo-leptos would
# take, without its 20-30 minute install (ADR
# 0005). `release` shrinks the WASM with wasm-opt. The caller builds the
# server (with the package set it needs, so that features unify the same
# way as in its other cargo commands).
build_site() {
    local mode="$1" site="$2"
    local wasm_profile brotli_quality
    case "$mode" in
        release) wasm_profile=wasm-release brotli_quality=11 ;;
        debug) wasm_profile=dev brotli_quality=5 ;;
        *) echo "build_site: unknown mode $mode" >&2; return 1 ;;
    esac
    ensure_brotli
    mkdir -p "$site/pkg"
    local guest admin stylesheet
    guest="$(_build_bundle "$mode" "$wasm_profile" "$site/pkg" roombook)"
    admin="$(_build_bundle "$mode" "$wasm_profile" "$site/pkg" roombook-admin admin)"
    stylesheet="roombook.$(_content_hash "$ROOT/style/main.css").css"
    cp "$ROOT/style/main.css" "$site/pkg/$stylesheet"
    local files=("$guest.js" "$guest.wasm" "$admin.js" "$admin.wasm" "$stylesheet")
    # Earlier builds' files go; a build of the same sources keeps its names.
    local file wanted
    for file in "$site"/pkg/roombook*; do
        local name="${file##*/}" keep=""
        for wanted in "${files[@]}"; do
            case "$name" in "$wanted" | "$wanted.gz" | "$wanted.br") keep=1 ;; esac
        done
        [ -n "$keep" ] || rm -f "$file"
    done
    # The server (and nginx) send these precompressed to browsers that
    # accept brotli or gzip.
    log "compressing the browser files (brotli -q $brotli_quality, gzip -9)"
    for file in "${files[@]}"; do
        brotli --keep --force --quality="$brotli_quality" "$site/pkg/$file"
        gzip -9 --keep --force "$site/pkg/$file"
    done
    printf 'guest=%s\nadmin=%s\nstylesheet=%s\n' "$guest" "$admin" "$stylesheet" >"$site/assets.txt"
    cp -r "$ROOT/public/." "$site/"
}

# The first 16 hex digits of the files' SHA-256.
_content_hash() {
    cat "$@" | sha256sum | cut -c1-16
}

# Builds one WASM bundle (`frontend` with the given features) into pkg/ as
# <name>.<hash>.js + .wasm; prints "<name>.<hash>". Separate cargo runs:
# one with both feature sets would unify them into one bundle.
_build_bundle() {
    local mode="$1" wasm_profile="$2" pkg="$3" name="$4" features="${5:-}"
    local target_dir out
    target_dir="$(cargo_target_dir)"
    log "building the WASM bundle $name ($mode${features:+, features $features})"
    cargo build --locked -p frontend --lib --target wasm32-unknown-unknown --profile "$wasm_profile" \
        ${features:+--features "$features"} >&2
    local wasm_dir="$target_dir/wasm32-unknown-unknown/$([ "$wasm_profile" = dev ] && echo debug || echo "$wasm_profile")"
    out="$(mktemp -d)"
    wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name "$name" "$wasm_dir/frontend.wasm" >&2
    if [ "$mode" = release ]; then
        # --converge: passes again until the size stops falling (2 KB gzip
        # off the guest bundle, 2026-12-02).
        log "shrinking $name (wasm-opt -Oz --converge)"
        wasm-opt -Oz --converge -o "$out/${name}_bg.wasm" "$out/${name}_bg.wasm" >&2
    fi
    # The page hands the JS the WASM's URL: its own default name is unused.
    local hashed
    hashed="$name.$(_content_hash "$out/$name.js" "$out/${name}_bg.wasm")"
    if [ -d "$out/snippets" ]; then
        echo "build_site: wasm-bindgen wrote snippets/, which the hashed names do not cover" >&2
        rm -rf "$out"
        return 1
    fi
    mv "$out/$name.js" "$pkg/$hashed.js"
    mv "$out/${name}_bg.wasm" "$pkg/$hashed.wasm"
    rm -rf "$out"
    echo "$hashed"
}

cargo_target_dir() {
    echo "${CARGO_TARGET_DIR:-$ROOT/target}"
}

# Runs "$@" with DATABASE_URL pointing at a PostgreSQL server that accepts
# `create database`: the given one, the local one on 127.0.0.1:5432, or the
# server's embedded cluster started for the duration of the command.
with_test_database() {
    if [ -n "${DATABASE_URL:-}" ]; then
        "$@"
        return
    fi
    if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
        log "using the PostgreSQL server on 127.0.0.1:5432"
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres" "$@"
        return
    fi
    ensure_postgres_binaries
    local dir="${TMPDIR:-/tmp}/roombook-test-postgres"
    local out="$dir.out"
    log "no PostgreSQL on 127.0.0.1:5432: starting an embedded cluster in $dir"
    "$(cargo_target_dir)/debug/server" --data-dir "$dir" embedded-postgres >"$out" &
    local pid=$!
    local url=""
    for _ in $(seq 1 600); do
        url="$(sed -n 's/^DATABASE_URL=//p' "$out")"
        [ -n "$url" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$url" ]; then
        kill "$pid" 2>/dev/null || true
        echo "the embedded PostgreSQL did not start; see the log above" >&2
        return 1
    fi
    local status=0
    DATABASE_URL="$url" "$@" || status=$?
    kill -TERM "$pid" && wait "$pid" || true
    return "$status"
}

# The packages whose tests run; also what test.sh builds the server with.
TEST_PACKAGES=(-p server -p app -p shared-schema -p end2end)

run_tests() {
    local packages=("${TEST_PACKAGES[@]}")
    if cargo nextest --version >/dev/null 2>&1; then
        log "tests (cargo nextest)"
        cargo nextest run --locked --no-fail-fast "${packages[@]}"
    else
        log "tests (cargo test)"
        cargo test --locked --no-fail-fast "${packages[@]}"
    fi
}

# PyPI tools of the API contract check (scripts/api-contract.sh), pinned so a
# new release cannot change what CI checks; installed once into a venv.
SCHEMATHESIS_VERSION="4.32.5"
OPENAPI_SPEC_VALIDATOR_VERSION="0.9.0"
API_TOOLS_VENV="$TOOLS_DIR/api-venv"

ensure_api_contract_tools() {
    local venv="$API_TOOLS_VENV" have_schemathesis have_validator
    # Captured, not piped into `grep -q`: under pipefail an early grep exit
    # can fail the writer with SIGPIPE and trigger a needless reinstall.
    have_schemathesis="$("$venv/bin/schemathesis" --version 2>/dev/null || true)"
    have_validator="$("$venv/bin/pip" show openapi-spec-validator 2>/dev/null || true)"
    if [[ "$have_schemathesis" == *"version $SCHEMATHESIS_VERSION"* &&
        "$have_validator" == *"Version: $OPENAPI_SPEC_VALIDATOR_VERSION"* ]]; then
        return 0
    fi
    python3 -m venv --help >/dev/null 2>&1 || apt_install python3-venv
    python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
    log "installing schemathesis $SCHEMATHESIS_VERSION and openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION into $venv"
    mkdir -p "$TOOLS_DIR"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "schemathesis==$SCHEMATHESIS_VERSION" \
        "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION"
}
