#!/usr/bin/env bash
# Tests through nginx against a real cluster (scripts/cluster.sh: embedded
# PostgreSQL, its own redis-server, three instances, nginx with TLS and
# ModSecurity + OWASP CRS), with the server's default limits:
#
# - the product's real requests pass the WAF (no false positives): sign-up
#   and sign-in with passwords full of SQL and HTML, the REST API (search,
#   bookings with Idempotency-Key, admin POST/PATCH/PUT/DELETE with prose),
#   server-function form posts, the session cookie, static files gzipped;
# - classic attacks get 403 from nginx (SQL injection, XSS, path traversal,
#   command injection, scanner user agents), over HTTP/2 and HTTP/1.1;
# - a client's own X-Forwarded-For gains it nothing: the sign-in limit
#   (10 per 15 minutes) still refuses it;
# - TLS, the HTTP->HTTPS redirect, HSTS, body limit and flood guard answers.
#
# Every test client has its own loopback address (curl --interface
# 127.0.x.y): nginx passes that address on, so each client has its own
# rate-limit budget, and the limit test starts from a full one.
#
#   scripts/cluster-test.sh              (or: source it; run_cluster_tests)
#
# Needs the debug server binary and the site built (scripts/test.sh does
# both; missing ones are built here). Bounded by CLUSTER_TEST_TIMEOUT_SECS
# (default 300); every process it starts is stopped, also on failure or
# timeout. On failure the logs are copied to target/cluster-test-logs/.
# Other settings: CLUSTER_PROFILE (debug), CLUSTER_TEST_KEEP=1 keeps the
# runtime folder.

if [ -z "${TEST_PACKAGES:-}" ]; then
    source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi
# The browser journey (_ct_browser) and its WebDriver helpers.
source "$(dirname "${BASH_SOURCE[0]}")/cluster-test-browser.sh"
# The fault tests (_ct_faults), run last.
source "$(dirname "${BASH_SOURCE[0]}")/cluster-faults.sh"

run_cluster_tests() {
    local seconds="${CLUSTER_TEST_TIMEOUT_SECS:-300}"
    local profile="${CLUSTER_PROFILE:-debug}"
    local server="${ROOMBOOK_SERVER_BIN:-$(cargo_target_dir)/$profile/server}"
    local site="${LEPTOS_SITE_ROOT:-$ROOT/target/site}"
    ensure_nginx
    ensure_redis
    ensure_postgres_binaries
    apt_install jq curl
    if [ ! -x "$server" ] || [ ! -f "$site/assets.txt" ]; then
        ensure_build_tools
        (cd "$ROOT" && build_site "$profile" "$site")
        log "building the server ($profile)"
        (cd "$ROOT" && cargo build --locked $([ "$profile" = release ] && echo --release) -p server)
    fi
    local dir status=0
    dir="$(mktemp -d /var/tmp/roombook-cluster-test.XXXXXX)"
    log "cluster tests through nginx (at most ${seconds}s; runtime folder $dir)"
    # A copy of the site that nginx's workers can read.
    local test_site="$dir/test-site"
    cp -r "$site" "$test_site"
    chmod 755 "$dir"
    chmod -R a+rX "$test_site"
    # Its own PostgreSQL and Redis, never the machine's shared ones: a
    # DATABASE_URL or REDIS_URL of the caller is not passed on.
    env -u DATABASE_URL -u REDIS_URL \
        ROOMBOOK_SERVER_BIN="$server" LEPTOS_SITE_ROOT="$test_site" CLUSTER_SITE="$test_site" \
        CLUSTER_PROFILE="$profile" \
        timeout --signal=TERM --kill-after=45 "$seconds" \
        bash "$ROOT/scripts/cluster-test.sh" --run-in "$dir" || status=$?
    if [ "$status" = 124 ] || [ "$status" = 137 ]; then
        echo "cluster tests: stopped after ${seconds}s (CLUSTER_TEST_TIMEOUT_SECS)" >&2
    fi
    _cluster_test_reap "$dir"
    _ct_faults_reap "$dir"
    if [ "$status" != 0 ]; then
        local keep="$ROOT/target/cluster-test-logs"
        rm -rf "$keep"
        mkdir -p "$keep"
        cp -r "$dir/logs" "$keep/cluster" 2>/dev/null || true
        cp -r "$dir/nginx/logs" "$keep/nginx" 2>/dev/null || true
        cp "$dir"/cluster.* "$keep/" 2>/dev/null || true
        # CI keeps only what is printed: the instances' errors and warnings.
        grep -H -E 'ERROR|WARN|panicked' "$dir"/logs/app-*.log 2>/dev/null | tail -n 40 >&2 || true
        echo "cluster tests failed; logs in $keep" >&2
    fi
    if [ "${CLUSTER_TEST_KEEP:-0}" = 1 ]; then
        echo "cluster test folder kept: $dir" >&2
    else
        rm -rf "$dir"
    fi
    return "$status"
}

# Last resort after a timeout's SIGKILL: the processes cluster.sh recorded
# (pid and start time, so a reused pid is never signalled).
_cluster_test_reap() {
    local file pid started
    for file in "$1"/run/*.pid; do
        [ -e "$file" ] || continue
        read -r pid started <"$file" || true
        [ -n "${pid:-}" ] || continue
        if [ "$(awk '{ print $22 }' "/proc/$pid/stat" 2>/dev/null)" = "${started:-}" ]; then
            echo "cluster tests: stopping leftover $(basename "$file" .pid) (pid $pid)" >&2
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
        fi
    done
}

# ---------------------------------------------------------------------------
# The tests themselves, in a process of their own (bounded by `timeout`).

_ct_main() {
    local dir="$1"
    CT_DIR="$dir"
    T="$dir/t"
    mkdir -p "$T"
    PASSED=0
    FAILED=0
    ADMIN_TOKEN=""
    ROOM_ID="00000000-0000-0000-0000-000000000000"

    # Free loopback ports: a random base, checked.
    local base port ok
    for _ in $(seq 1 50); do
        base=$((20000 + RANDOM % 9000))
        ok=1
        for port in $(seq "$base" $((base + 9))); do
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then ok=0; break; fi
        done
        [ "$ok" = 1 ] && break
    done
    [ "$ok" = 1 ] || { echo "no free ports found" >&2; return 1; }

    CLUSTER_PID=""
    trap '_ct_stop_cluster' EXIT
    trap '_ct_stop_cluster; exit 143' TERM INT
    # Its own session: a timeout or Ctrl-C reaches it only through us, and
    # it stops its processes in order.
    setsid bash "$ROOT/scripts/cluster.sh" --foreground --no-build --profile "$CLUSTER_PROFILE" \
        --dir "$dir" --https-port "$base" --http-port $((base + 1)) \
        --redis-port $((base + 2)) --app-port $((base + 3)) --instances 3 \
        --metrics-port $((base + 6)) \
        >"$dir/cluster.out" 2>"$dir/cluster.err" </dev/null &
    CLUSTER_PID=$!
    local tries=1800
    until grep -q '^CLUSTER_READY=1' "$dir/cluster.out" 2>/dev/null; do
        if ! kill -0 "$CLUSTER_PID" 2>/dev/null; then
            echo "cluster.sh exited before it was ready:" >&2
            tail -n 30 "$dir/cluster.err" >&2
            return 1
        fi
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || { echo "cluster not ready within 180s" >&2; return 1; }
        sleep 0.1
    done
    URL="$(sed -n 's/^CLUSTER_URL=//p' "$dir/cluster.out")"
    HTTP_URL="$(sed -n 's/^CLUSTER_HTTP_URL=//p' "$dir/cluster.out")"
    CERT="$(sed -n 's/^CLUSTER_TLS_CERT=//p' "$dir/cluster.out")"
    DB_URL="$(sed -n 's/^CLUSTER_DATABASE_URL=//p' "$dir/cluster.out")"
    HOSTPORT="${URL#https://}"
    REDIS_PORT=$((base + 2))
    log "cluster ready at $URL"

    _ct_static
    _ct_transport
    _ct_product_requests
    _ct_free_text
    _ct_attacks
    _ct_forwarded_for
    _ct_browser
    _ct_flood_guard
    _ct_faults

    log "cluster tests: $PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
}

_ct_stop_cluster() {
    trap - EXIT
    if [ -n "${CHROMEDRIVER_PID:-}" ]; then
        # Its own process group: Chromium and its helpers go with it.
        kill -TERM -- "-$CHROMEDRIVER_PID" 2>/dev/null || true
        wait "$CHROMEDRIVER_PID" 2>/dev/null || true
        CHROMEDRIVER_PID=""
    fi
    [ -n "${CLUSTER_PID:-}" ] || return 0
    if kill -0 "$CLUSTER_PID" 2>/dev/null; then
        kill -TERM "$CLUSTER_PID" 2>/dev/null || true
        for _ in $(seq 1 600); do kill -0 "$CLUSTER_PID" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$CLUSTER_PID" 2>/dev/null; then kill -KILL "$CLUSTER_PID" 2>/dev/null || true; fi
    fi
    wait "$CLUSTER_PID" 2>/dev/null || true
    CLUSTER_PID=""
    _ct_faults_reap "$CT_DIR"
}

# --- helpers ----------------------------------------------------------------

# One request through nginx from the loopback address $FROM (default
# 127.0.0.2). Sets STATUS; the body is in $T/body, the headers in $T/headers.
req() {
    STATUS="$(curl -sS --cacert "$CERT" --max-time 20 --interface "${FROM:-127.0.0.2}" \
        -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@" 2>"$T/curl.err")" || STATUS=000
}
header() { # name -> value of that response header (last one), without CR
    grep -i "^$1:" "$T/headers" | tail -n 1 | sed 's/^[^:]*:[[:space:]]*//' | tr -d '\r'
}
blocked_by_waf() { [ "$STATUS" = 403 ] && grep -q '"request_blocked"' "$T/body"; }
pass() { PASSED=$((PASSED + 1)); printf 'ok     %s\n' "$1"; }
fail() {
    FAILED=$((FAILED + 1))
    printf 'FAILED %s: %s\n' "$1" "$2"
    head -c 400 "$T/body" 2>/dev/null | sed 's/^/       body: /'
    echo
}
expect_status() { # name, wanted status (regex)
    if [[ "$STATUS" =~ ^($2)$ ]]; then pass "$1"; else fail "$1" "status $STATUS, wanted $2"; fi
}
# A legitimate request: anything but the WAF's refusal, and the status the
# product gives it.
expect_passes() { # name, wanted status (regex)
    if blocked_by_waf; then
        fail "$1" "refused by the WAF (false positive)"
    else
        expect_status "$1" "$2"
    fi
}
expect_blocked() { # name
    if blocked_by_waf; then pass "$1"; else fail "$1" "status $STATUS, wanted the WAF's 403"; fi
}
json() { jq -r "$1" "$T/body"; }
uri() { jq -rn --arg v "$1" '$v | @uri'; }

# Short random suffix for unique emails.
nonce() { printf '%s%s' "$(date +%s%N | tail -c 7)" "$RANDOM"; }

# --- static files: served by nginx, precompressed, revalidated -------------

_ct_static() {
    req "$URL/"
    expect_passes "home page through nginx" 200
    local page="$T/page.html"
    cp "$T/body" "$page"
    local ext file etag
    PKG_CSS=roombook.css
    for ext in js wasm css; do
        # roombook.<hash>.<ext>: build_site names every file by its content.
        file="$(grep -oE "/pkg/roombook(\.[A-Za-z0-9_-]+)?\.$ext([\"'?#]|$)" "$page" | head -n 1 |
            sed -E 's/[\"'"'"'?#]$//')"
        file="${file#/pkg/}"
        if [ -n "$file" ]; then
            pass "the page asks for /pkg/$file"
        else
            fail "the page asks for /pkg/roombook*.$ext" "not referenced in the HTML"
            continue
        fi
        [ "$ext" = css ] && PKG_CSS="$file"
        req -H 'Accept-Encoding: gzip' "$URL/pkg/$file"
        expect_passes "/pkg/$file" 200
        if [ "$(header content-encoding)" = gzip ]; then
            pass "/pkg/$file is sent gzipped (gzip_static)"
        else
            fail "/pkg/$file is sent gzipped (gzip_static)" "Content-Encoding '$(header content-encoding)'"
        fi
        if [ -f "$CLUSTER_SITE/pkg/$file.br" ]; then
            req -H 'Accept-Encoding: br, gzip' "$URL/pkg/$file"
            if [ "$(header content-encoding)" = br ]; then
                pass "/pkg/$file is sent as brotli to browsers that take it (brotli_static)"
            else
                fail "/pkg/$file is sent as brotli (brotli_static)" "Content-Encoding '$(header content-encoding)'"
            fi
            req -H 'Accept-Encoding: gzip' "$URL/pkg/$file"
        fi
        if [ -z "$(header x-request-id)" ]; then
            pass "/pkg/$file comes from nginx, not an instance"
        else
            fail "/pkg/$file comes from nginx, not an instance" "it has the server's x-request-id"
        fi
        _ct_pkg_cache "$file"
        if [ "$ext" = wasm ]; then
            if [ "$(header content-type)" = application/wasm ]; then
                pass "/pkg/$file is application/wasm"
            else
                fail "/pkg/$file is application/wasm" "$(header content-type)"
            fi
        fi
        etag="$(header etag)"
        req -H 'Accept-Encoding: gzip' -H "If-None-Match: $etag" "$URL/pkg/$file"
        expect_status "/pkg/$file revalidates with 304" 304
    done
    # Guests never download the admin pages (ADR 0013).
    if grep -q "/pkg/roombook-admin\." "$page"; then
        fail "a guest page does not load the admin bundle" "roombook-admin is in the HTML"
    else
        pass "a guest page does not load the admin bundle"
    fi
    req "$URL/pkg/roombook.no-such-file.css"
    expect_status "a missing /pkg/ file is a 404 from nginx" 404
}

# The answer just fetched for /pkg/$1 is cached for good: build_site names
# every file by its content, so a name never serves other bytes.
_ct_pkg_cache() {
    local cache
    cache="$(header cache-control)"
    if [ "$cache" = "public, max-age=31536000, immutable" ]; then
        pass "/pkg/$1: hashed name, cached a year, immutable"
    else
        fail "/pkg/$1: hashed name, cached a year, immutable" "cache-control '$cache'"
    fi
}

# --- TLS, redirect, HSTS, Host, body limit ----------------------------------

_ct_transport() {
    STATUS="$(curl -sS --max-time 10 --interface 127.0.0.2 -o /dev/null -D "$T/headers" \
        -w '%{http_code}' "$HTTP_URL/rooms?x=1" 2>"$T/curl.err")" || STATUS=000
    if [ "$STATUS" = 308 ] && [ "$(header location)" = "$URL/rooms?x=1" ]; then
        pass "HTTP redirects to HTTPS (308, same path and query)"
    else
        fail "HTTP redirects to HTTPS" "status $STATUS, location '$(header location)'"
    fi
    req "$URL/healthz"
    if [[ "$(header strict-transport-security)" == max-age=* ]]; then
        pass "HSTS on proxied answers"
    else
        fail "HSTS on proxied answers" "'$(header strict-transport-security)'"
    fi
    req "$URL/pkg/$PKG_CSS"
    if [[ "$(header strict-transport-security)" == max-age=* ]]; then
        pass "HSTS on static answers"
    else
        fail "HSTS on static answers" "'$(header strict-transport-security)'"
    fi
    req --http1.1 "$URL/healthz"
    expect_status "HTTP/1.1 works too" 200
    req "$URL/metrics"
    expect_status "/metrics is not public" 404
    # A browser without Sec-Fetch-Site sends Origin; the server compares it
    # with Host, so nginx must pass the port on.
    req -X POST "$URL/api/login" -H "Origin: $URL" \
        --data-urlencode 'input[email]=nobody@example.com' --data-urlencode 'input[password]=wrong password'
    if [ "$STATUS" = 403 ]; then
        fail "same-origin form post with Origin (no Sec-Fetch-Site) is not taken for cross-site" "403: $(head -c 200 "$T/body")"
    else
        pass "same-origin form post with Origin (no Sec-Fetch-Site) is not taken for cross-site"
    fi
    head -c 70000 /dev/zero | tr '\0' 'a' >"$T/big"
    req -X POST "$URL/api/v1/auth/login" -H 'Content-Type: application/json' --data-binary @"$T/big"
    if [ "$STATUS" = 413 ] && grep -q payload_too_large "$T/body"; then
        pass "bodies over 64 KiB are refused by nginx with a problem (413)"
    else
        fail "bodies over 64 KiB are refused by nginx" "status $STATUS"
    fi
}

# --- the product's real requests --------------------------------------------

_ct_product_requests() {
    local n email password admin_email admin_password token admin_token room_id
    n="$(nonce)"
    email="guest-$n@example.com"
    # A valid password that is also an SQL injection and an XSS payload: it
    # passes, because passwords are excluded from inspection (see
    # deploy/modsecurity/roombook-before-crs.conf).
    password="p4ss' OR 1=1 --; <script>alert(1)</script>"

    req -X POST "$URL/api/v1/auth/register" -H 'Content-Type: application/json' \
        --data-binary "$(jq -n --arg e "$email" --arg p "$password" '{email:$e,name:"Sinéad O'"'"'Brien",password:$p}')"
    expect_passes "REST sign-up (JSON, name with an apostrophe, password with SQL and HTML)" 201
    local cookie
    cookie="$(header set-cookie)"
    if [[ "$cookie" == __Host-roombook_session=* && "$cookie" == *Secure* && "$cookie" == *HttpOnly* ]]; then
        pass "the session cookie is Secure and HttpOnly behind TLS"
    else
        fail "the session cookie is Secure and HttpOnly behind TLS" "Set-Cookie: $cookie"
    fi

    req -X POST "$URL/api/v1/auth/login" -H 'Content-Type: application/json' \
        --data-binary "$(jq -n --arg e "$email" --arg p "$password" '{email:$e,password:$p}')"
    expect_passes "REST sign-in (JSON)" 200
    token="$(json .token)"

    req "$URL/api/v1/auth/me" -H "Authorization: Bearer $token"
    expect_passes "bearer token" 200
    req "$URL/api/v1/auth/me" -b "__Host-roombook_session=$token"
    expect_passes "session cookie" 200

    req -X POST "$URL/api/login" -H 'Sec-Fetch-Site: same-origin' \
        --data-urlencode "input[email]=$email" --data-urlencode "input[password]=$password"
    expect_passes "server function form post /api/login (urlencoded)" 200
    if [[ "$(header set-cookie)" == __Host-roombook_session=*Secure* ]]; then
        pass "server-function sign-in sets the Secure cookie"
    else
        fail "server-function sign-in sets the Secure cookie" "$(header set-cookie)"
    fi

    # The first admin, as the README says.
    admin_email="admin-$n@example.com"
    admin_password="Adm1n: \"quotes\" & 'ticks' -- /* x */"
    if ROOMBOOK_ADMIN_PASSWORD="$admin_password" DATABASE_URL="$DB_URL" \
        "$ROOMBOOK_SERVER_BIN" create-admin --email "$admin_email" --name "Admin $n" \
        >"$T/admin.out" 2>&1; then
        pass "server create-admin"
    else
        fail "server create-admin" "$(tail -n 3 "$T/admin.out")"
    fi
    req -X POST "$URL/api/v1/auth/login" -H 'Content-Type: application/json' \
        --data-binary "$(jq -n --arg e "$admin_email" --arg p "$admin_password" '{email:$e,password:$p}')"
    expect_passes "admin sign-in" 200
    admin_token="$(json .token)"
    ADMIN_TOKEN="$admin_token"

    req -X POST "$URL/api/v1/admin/rooms" -H "Authorization: Bearer $admin_token" \
        -H 'Content-Type: application/json' --data-binary "$(jq -n '{
            name: "Garden Double (No. 2)",
            description: "The suite has a sofa bed + a desk; sleep 4 (2 adults, 2 children); select your pillow from the menu.",
            capacity: 2, price_cents: 12900, currency: "EUR", total_inventory: 3}')"
    expect_passes "admin POST /api/v1/admin/rooms with prose" 201
    room_id="$(json .id)"
    ROOM_ID="$room_id"

    req -X PATCH "$URL/api/v1/admin/rooms/$room_id" -H "Authorization: Bearer $admin_token" \
        -H 'Content-Type: application/json' \
        --data-binary '{"description":"Drop your bags at reception; update your booking online; it'"'"'s the '"'"'Union'"'"' room -- select it.","price_cents":13900}'
    expect_passes "admin PATCH /api/v1/admin/rooms/{id} with prose" 200

    _ct_photo_upload "$room_id" "$admin_token"

    local from to
    from="$(date -u -d '+30 days' +%F)"
    to="$(date -u -d '+37 days' +%F)"
    req -X PUT "$URL/api/v1/admin/rooms/$room_id/availability" -H "Authorization: Bearer $admin_token" \
        -H 'Content-Type: application/json' \
        --data-binary "$(jq -n --arg f "$from" --arg t "$to" '{from:$f,to:$t,total:4,price_cents:15900,closed:false}')"
    expect_passes "admin PUT /api/v1/admin/rooms/{id}/availability" 200

    local check_in check_out
    check_in="$(date -u -d '+31 days' +%F)"
    check_out="$(date -u -d '+33 days' +%F)"
    req "$URL/api/v1/rooms?check_in=$check_in&check_out=$check_out&guests=2&units=1&sort=price_asc&limit=20&min_price=1000&max_price=90000"
    expect_passes "GET /api/v1/rooms?... (search)" 200
    if jq -e --arg id "$room_id" '.offers | map(.id) | index($id)' "$T/body" >/dev/null; then
        pass "search finds the new room"
    else
        fail "search finds the new room" "not in the offers"
    fi
    req "$URL/?check_in=$check_in&check_out=$check_out&guests=2&units=1"
    expect_passes "search page with a query string" 200
    req "$URL/rooms/$room_id"
    expect_passes "room page" 200

    local key booking
    key="$(cat /proc/sys/kernel/random/uuid)"
    booking="$(jq -n --arg r "$room_id" --arg i "$check_in" --arg o "$check_out" \
        '{room_id:$r,check_in:$i,check_out:$o,guests:2,units:1}')"
    req -X POST "$URL/api/v1/bookings" -H "Authorization: Bearer $token" \
        -H "Idempotency-Key: $key" -H 'Content-Type: application/json' --data-binary "$booking"
    expect_passes "POST /api/v1/bookings (JSON, Idempotency-Key)" 201
    local booking_id
    booking_id="$(json .id)"
    req -X POST "$URL/api/v1/bookings" -H "Authorization: Bearer $token" \
        -H "Idempotency-Key: $key" -H 'Content-Type: application/json' --data-binary "$booking"
    if [ "$STATUS" = 201 ] && [ "$(json .id)" = "$booking_id" ]; then
        pass "a retried booking with the same key is the same booking (through any instance)"
    else
        fail "a retried booking with the same key is the same booking" "status $STATUS, id $(json .id) vs $booking_id"
    fi
    req "$URL/api/v1/bookings" -H "Authorization: Bearer $token"
    expect_passes "GET /api/v1/bookings" 200

    # Server functions as the browser sends them: urlencoded, Leptos names
    # (argument[field]), the session cookie, Sec-Fetch-Site.
    local sf=(-X POST -H 'Sec-Fetch-Site: same-origin' -b "__Host-roombook_session=$admin_token")
    req "${sf[@]}" "$URL/api/search_rooms" \
        --data-urlencode "form[check_in]=$check_in" --data-urlencode "form[check_out]=$check_out" \
        --data-urlencode 'form[guests]=2' --data-urlencode 'form[units]=1' \
        --data-urlencode 'filters[sort]=price_asc' --data-urlencode 'filters[min_price]=' \
        --data-urlencode 'filters[max_price]='
    expect_passes "server function search_rooms" 200
    req "${sf[@]}" "$URL/api/update_room" --data-urlencode "id=$room_id" \
        --data-urlencode 'form[name]=Garden Double (No. 2)' \
        --data-urlencode "form[description]=Budget twin; top floor (no lift); ceiling slopes; mind your head! Kids < 12 stay free & pets > 10 kg on request." \
        --data-urlencode 'form[capacity]=2' --data-urlencode 'form[price]=139.00' \
        --data-urlencode 'form[currency]=EUR' --data-urlencode 'form[total_inventory]=3'
    expect_passes "server function update_room with prose (form post, cookie)" 200
    req "${sf[@]}" "$URL/api/bookings" --data-urlencode "filter[from]=$check_in" --data-urlencode 'mine=false'
    expect_passes "server function bookings (admin, all guests)" 200
    req "${sf[@]}" "$URL/api/cancel_booking" --data-urlencode "id=$booking_id"
    expect_passes "server function cancel_booking" 200

    req -X DELETE "$URL/api/v1/admin/rooms/$room_id" -H "Authorization: Bearer $admin_token"
    expect_passes "admin DELETE /api/v1/admin/rooms/{id}" '200|204'

    req -X POST "$URL/api/v1/auth/logout" -H "Authorization: Bearer $token"
    expect_passes "POST /api/v1/auth/logout without a body" '200|204'
    req "$URL/api/v1/auth/me" -H "Authorization: Bearer $token"
    expect_status "the token is gone after sign-out (any instance)" 401
}

# --- free text the WAF must not mistake for attacks --------------------------

# A photo upload through nginx and the WAF: multipart (allowed on this
# route only), a body above the 64 KiB limit of every other route, alt text
# in prose; the stored image is then served through nginx, cacheable.
_ct_photo_upload() { # room id, admin token
    local png="$T/photo.png"
    # A 600 x 400 PNG of noise (about 700 KiB): too large for any other
    # route, and it does not compress to nothing.
    python3 - "$png" <<'PY'
import os, struct, sys, zlib
w, h = 600, 400
raw = b"".join(b"\0" + os.urandom(w * 3) for _ in range(h))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
with open(sys.argv[1], "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
    req -X POST "$URL/api/v1/rooms/$1/photos" -H "Authorization: Bearer $2" \
        --form-string "alt=The bed; select your pillow -- it's the 'Union' room" -F "file=@$png;type=image/png"
    expect_passes "admin uploads a 700 KiB photo (multipart) through nginx and the WAF" 201
    local image
    image="$(json '.variants[0].url')"
    req "$URL$image"
    if [ "$STATUS" = 200 ] && [ "$(header content-type)" = image/jpeg ] &&
        [[ "$(header cache-control)" == *immutable* ]]; then
        pass "the photo is served through nginx as a cacheable JPEG"
    else
        fail "the photo is served through nginx as a cacheable JPEG" \
            "status $STATUS, $(header content-type), $(header cache-control)"
    fi
    req -X POST "$URL/api/v1/admin/rooms" -H "Authorization: Bearer $2" \
        -H 'Content-Type: application/json' --data-binary "@$png"
    expect_status "the same body elsewhere is refused by nginx's 64 KiB limit" 413
}

_ct_free_text() {
    local i=0 text failures=0
    # Each request from its own address: this is about the WAF, not the
    # server's per-client limits.
    while IFS= read -r text; do
        i=$((i + 1))
        FROM="127.0.1.$i" req -X PATCH "$URL/api/v1/admin/rooms/$ROOM_ID" \
            -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
            --data-binary "$(jq -n --arg d "$text" '{name:$d,description:$d}')"
        if blocked_by_waf; then
            failures=$((failures + 1))
            fail "room prose passes (REST): $text" "refused by the WAF"
        fi
        FROM="127.0.2.$i" req -X POST "$URL/api/update_room" -H 'Sec-Fetch-Site: same-origin' \
            -b "__Host-roombook_session=$ADMIN_TOKEN" --data-urlencode "id=$ROOM_ID" \
            --data-urlencode "form[name]=Room $i" --data-urlencode "form[description]=$text" \
            --data-urlencode 'form[capacity]=2' --data-urlencode 'form[price]=120.50' \
            --data-urlencode 'form[currency]=EUR' --data-urlencode 'form[total_inventory]=3'
        if blocked_by_waf; then
            failures=$((failures + 1))
            fail "room prose passes (server function): $text" "refused by the WAF"
        fi
    done <<'TEXTS'
Quiet, with a view of the garden.
The suite has a sofa bed + a desk; sleep 4 (2 adults, 2 children) or 3 adults.
Sleeps 2; time to relax: the spa is open 9-21h.
Double bed; more space than the standard room; find us on the 2nd floor.
Twin beds | garden view | shower
Cosy attic room; date of last renovation: 2024.
Breakfast included; kill time in the lounge & library.
Sea view; echo of the waves at night; wget-free zone (no Wi-Fi, by design!).
"The best sleep we've had" -- a guest, 2025.
Family room: 1 double + 2 singles; cots on request; kids' corner.
Our "Executive" room: desk, chair & printer; select your pillow from the menu.
Union Jack décor; 1920s style; where history meets comfort.
Penthouse -- 120 m²; private terrace; jacuzzi; butler on call 24/7.
Honeymoon suite; champagne on arrival; late check-out until 14:00 (on request).
Room 12 & 13: connecting; good for groups of 4-6; rates per room.
Rate includes: breakfast, Wi-Fi, city tax (€2.50/night); excludes parking.
Chalet; wood stove; cut & stack your own logs; bring warm socks.
Mini suite -- sitting area, Nespresso machine, bathrobes; order room service 7-23h.
Budget twin; top floor (no lift); ceiling slopes; mind your head!
It's the 'Union' room -- select it if you like quiet.
Rate: 100 or more per night, depending on the season; 'best price' guaranteed.
Drop your bags at reception; update your booking online; insert your key card to switch on the lights.
Room "A" or "B"? Both 1=1 identical, honestly.
Kids < 12 stay free & pets > 10 kg on request.
TEXTS
    [ "$failures" = 0 ] && pass "$i room texts pass the WAF, as JSON and as a form post"

    # Guests' names and passwords, at sign-up (REST and server function).
    i=0
    while IFS='|' read -r name password; do
        i=$((i + 1))
        FROM="127.0.3.$i" req -X POST "$URL/api/v1/auth/register" -H 'Content-Type: application/json' \
            --data-binary "$(jq -n --arg e "n$i-$(nonce)@example.com" --arg n "$name" --arg p "$password" '{email:$e,name:$n,password:$p}')"
        expect_passes "REST sign-up: name '$name', password '$password'" 201
        FROM="127.0.4.$i" req -X POST "$URL/api/register" -H 'Sec-Fetch-Site: same-origin' \
            --data-urlencode "input[email]=f$i-$(nonce)@example.com" --data-urlencode "input[name]=$name" \
            --data-urlencode "input[password]=$password"
        expect_passes "server-function sign-up: name '$name', password '$password'" 200
    done <<'PEOPLE'
Jean-Luc d'Arcy|correct horse battery staple
Anna & Bob|select * from users; drop table x
Dr. Who (the 13th)|<img src=x onerror=alert(1)>
李小龙|../../etc/passwd and more
Zoë -- the "best" guest|${jndi:ldap://example.com/a}
O'Neil; Patrick|Tr0ub4dor&3 | cat /etc/passwd
PEOPLE
}

# --- the attack set -----------------------------------------------------------

_ct_attacks() {
    local http
    for http in --http2 --http1.1; do
        FROM=127.0.0.4
        req "$http" "$URL/api/v1/rooms?check_in=2027-03-01%27%20OR%20%271%27%3D%271&guests=2"
        expect_blocked "SQL injection in a query string ($http)"
        req "$http" "$URL/api/v1/rooms?guests=2&sort=price_asc%27%20UNION%20SELECT%20password%20FROM%20users--"
        expect_blocked "UNION SELECT in a query string ($http)"
        req "$http" "$URL/?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E"
        expect_blocked "XSS in a parameter ($http)"
        req "$http" "$URL/api/v1/rooms?guests=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"
        expect_blocked "XSS (event handler) in a parameter ($http)"
        req "$http" "$URL/api/v1/rooms?file=../../etc/passwd"
        expect_blocked "path traversal in a parameter ($http)"
        req "$http" "$URL/api/v1/rooms?file=..%2F..%2F..%2Fetc%2Fpasswd"
        expect_blocked "encoded path traversal in a parameter ($http)"
        req "$http" "$URL/api/v1/rooms?guests=2;cat%20/etc/passwd"
        expect_blocked "command injection in a parameter ($http)"
        req "$http" "$URL/api/v1/rooms?guests=2" -A 'sqlmap/1.7.2#stable (https://sqlmap.org)'
        expect_blocked "sqlmap user agent ($http)"
        req "$http" "$URL/" -A 'Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000001)'
        expect_blocked "Nikto user agent ($http)"
        req "$http" "$URL/.env"
        expect_blocked "a restricted file (.env) ($http)"
        req "$http" -X POST "$URL/api/v1/auth/login" -H 'Content-Type: application/json' \
            --data-binary '{"email":"admin@example.com'"'"' OR 1=1 --","password":"x"}'
        expect_blocked "SQL injection in a JSON field ($http)"
        req "$http" -X POST "$URL/api/v1/admin/rooms" -H 'Content-Type: application/json' \
            --data-binary '{"name":"<script>alert(document.cookie)</script>","description":"x"}'
        expect_blocked "XSS in a JSON field, even in room prose ($http)"
        req "$http" -X POST "$URL/api/create_room" -H 'Sec-Fetch-Site: same-origin' \
            --data-urlencode 'form[name]=x' --data-urlencode 'form[description]=<img src=x onerror=alert(1)>'
        expect_blocked "XSS in a form field, even in room prose ($http)"
        req "$http" -X POST "$URL/api/login" -H 'Sec-Fetch-Site: same-origin' \
            --data-urlencode "input[email]=x' UNION SELECT password FROM users--" --data-urlencode 'input[password]=x'
        expect_blocked "SQL injection in a server-function field ($http)"
        req "$http" -X POST "$URL/api/v1/bookings" -H 'Content-Type: application/json' \
            --data-binary '{"room_id":"1 UNION SELECT password FROM users--","check_in":"2030-01-10"}'
        expect_blocked "SQL injection in a booking ($http)"
        req "$http" "$URL/api/v1/auth/me" -b "prefs=1' UNION SELECT password FROM users--"
        expect_blocked "SQL injection in another cookie ($http)"
        req "$http" -X POST "$URL/api/v1/auth/login" -H 'Content-Type: text/xml' \
            --data-binary '<?xml version="1.0"?><login/>'
        expect_blocked "a content type the product does not take (XML) ($http)"
    done
    # A traversal in the path itself never reaches an instance: nginx
    # normalises the path and refuses one that climbs above the root (400).
    FROM=127.0.0.4 req --path-as-is "$URL/pkg/../../../etc/passwd"
    if [[ "$STATUS" =~ ^(400|403)$ ]] && [ -z "$(header x-request-id)" ]; then
        pass "path traversal in the path is refused by nginx ($STATUS)"
    else
        fail "path traversal in the path is refused by nginx" "status $STATUS"
    fi
    FROM=127.0.0.4 req --path-as-is "$URL/pkg/..%2f..%2f..%2fetc%2fpasswd"
    if [[ "$STATUS" =~ ^(400|403|404)$ ]] && ! grep -q 'root:' "$T/body"; then
        pass "encoded traversal in the path is refused ($STATUS)"
    else
        fail "encoded traversal in the path is refused" "status $STATUS"
    fi
}

# --- X-Forwarded-For from the client gains nothing ----------------------------

_ct_forwarded_for() {
    # One client (127.0.0.3, untouched so far) tries to sign in 11 times,
    # each time claiming another address in X-Forwarded-For. nginx replaces
    # the header with the real address, so the instances count all attempts
    # against 127.0.0.3. Each attempt names another e-mail, so that the
    # per-e-mail backoff (5 free failures) does not answer first.
    local attempt statuses=() limited_at=""
    local shared=0
    if "$ROOMBOOK_SERVER_BIN" --help 2>/dev/null | grep -q -- '--redis-url'; then shared=1; fi
    local attempts=11
    [ "$shared" = 1 ] || attempts=$((10 * 3 + 1))
    for ((attempt = 1; attempt <= attempts; attempt++)); do
        FROM=127.0.0.3 req -X POST "$URL/api/v1/auth/login" -H 'Content-Type: application/json' \
            -H "X-Forwarded-For: 10.$((attempt / 250)).$((attempt % 250)).1" \
            --data-binary "{\"email\":\"nobody-$attempt@example.com\",\"password\":\"not the password\"}"
        statuses+=("$STATUS")
        if [ "$STATUS" = 429 ] && [ -z "$limited_at" ]; then limited_at="$attempt"; fi
    done
    if [ "$shared" = 1 ]; then
        if [ "$limited_at" = 11 ] && [ "${statuses[9]}" = 401 ]; then
            pass "the 11th sign-in attempt is refused (429) across 3 instances, whatever X-Forwarded-For says"
        else
            fail "the 11th sign-in attempt is refused (429) across 3 instances" "statuses: ${statuses[*]}"
        fi
    else
        # Counters per instance until the server shares them in Redis: a
        # client may get 10 attempts per instance, but never more, and a
        # forged X-Forwarded-For does not make it a new client.
        echo "note: this server has no --redis-url: limits are per instance; checking 10 x 3 + 1 attempts" >&2
        local answered=0 other=0 status
        for status in "${statuses[@]}"; do
            case "$status" in 401) answered=$((answered + 1)) ;; 429) ;; *) other=$((other + 1)) ;; esac
        done
        if [ -n "$limited_at" ] && [ "$answered" -le 30 ] && [ "$other" = 0 ]; then
            pass "sign-in attempts with forged X-Forwarded-For are limited ($answered of 31 answered, first 429 at attempt $limited_at; per-instance counters)"
        else
            fail "sign-in attempts with forged X-Forwarded-For are limited" "statuses: ${statuses[*]}"
        fi
        echo "SKIPPED: the 11th attempt across 3 instances (needs the shared Redis limits of issue 9)" >&2
    fi
    # Someone else is unaffected: the budget is per real client address.
    FROM=127.0.0.6 req -X POST "$URL/api/v1/auth/login" -H 'Content-Type: application/json' \
        --data-binary '{"email":"someone-else@example.com","password":"not the password"}'
    expect_status "another client address still has its own budget" 401
}

# --- nginx's own flood guard ------------------------------------------------------

_ct_flood_guard() {
    # 400 static requests at once from one address: more than the burst.
    local args=() i
    for ((i = 0; i < 400; i++)); do args+=(-o /dev/null "$URL/pkg/$PKG_CSS?$i"); done
    curl -s --cacert "$CERT" --max-time 60 --interface 127.0.0.5 --parallel --parallel-max 50 \
        -w '%{http_code}\n' "${args[@]}" >"$T/flood" 2>/dev/null || true
    local limited
    limited="$(grep -c '^429$' "$T/flood" || true)"
    if [ "$limited" -gt 0 ]; then
        pass "nginx's flood guard answers 429 to a burst ($limited of 400)"
    else
        fail "nginx's flood guard answers 429 to a burst" "$(sort "$T/flood" | uniq -c | tr '\n' ' ')"
    fi
    FROM=127.0.0.5 req "$URL/pkg/$PKG_CSS?again"
    if [ "$STATUS" = 429 ] && [ -n "$(header retry-after)" ] && grep -q rate_limited "$T/body"; then
        pass "a flood-guard 429 is a problem document with Retry-After"
    elif [ "$STATUS" = 200 ]; then
        pass "the flood guard let the client go again (status 200)"
    else
        fail "flood-guard answer" "status $STATUS"
    fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    if [ "${1:-}" = --run-in ]; then
        set +e
        _ct_main "$2"
        exit $?
    fi
    run_cluster_tests
fi
