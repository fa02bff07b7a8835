# The browser part of scripts/cluster-test.sh (sourced by it; uses its
# helpers req, pass, fail, expect_passes and its globals URL, T, CT_DIR,
# ADMIN_TOKEN): headless Chromium through nginx and the WAF.
# --- a browser through nginx: the WASM's own server-function calls -------------

# WebDriver over curl (chromedriver's W3C protocol), so this needs nothing
# but Chromium and ChromeDriver; skipped when they are not installed
# (scripts/test.sh installs them) or with CLUSTER_TEST_BROWSER=0.
_wd() { # method, path, [json]
    curl -sS --max-time 30 -X "$1" "http://127.0.0.1:$WD_PORT/session/$WD_SESSION$2" \
        -H 'Content-Type: application/json' ${3:+--data-binary "$3"}
}
_wd_element() { # css -> element id
    _wd POST /element "$(jq -nc --arg c "$1" '{using:"css selector",value:$c}')" \
        | jq -r '.value | to_entries[0].value'
}
_wd_type() { # css, text
    _wd POST "/element/$(_wd_element "$1")/value" "$(jq -nc --arg t "$2" '{text:$t}')" >/dev/null
}
_wd_click() { _wd POST "/element/$(_wd_element "$1")/click" '{}' >/dev/null; }
_wd_goto() { _wd POST /url "$(jq -nc --arg u "$1" '{url:$u}')" >/dev/null; }
# Waits (in the page, up to 20 s) until the JavaScript expression $1 is
# truthy; prints its value, or "timeout".
_wd_wait() {
    _wd POST /execute/async "$(jq -nc --arg e "$1" '{args: [], script: ("const done = arguments[0]; const t = Date.now(); (function poll() { let v; try { v = (" + $e + "); } catch (e) { v = null; } if (v) done(v); else if (Date.now() - t > 20000) done(\"timeout\"); else setTimeout(poll, 50); })();")}')" \
        | jq -r '.value'
}

_ct_browser() {
    if [ "${CLUSTER_TEST_BROWSER:-1}" = 0 ]; then
        echo "SKIPPED: browser journey (CLUSTER_TEST_BROWSER=0)" >&2
        return 0
    fi
    local chromium="${CHROMIUM:-/usr/bin/chromium}" driver="${CHROMEDRIVER:-chromedriver}"
    if [ ! -x "$chromium" ] || ! command -v "$driver" >/dev/null; then
        echo "SKIPPED: browser journey (no $chromium or $driver; scripts/test.sh installs them)" >&2
        return 0
    fi
    # A room to find, created by the admin.
    local room="Browser Suite $(nonce)" check_in check_out
    FROM=127.0.0.7 req -X POST "$URL/api/v1/admin/rooms" -H "Authorization: Bearer $ADMIN_TOKEN" \
        -H 'Content-Type: application/json' --data-binary "$(jq -n --arg n "$room" '{
            name: $n, description: "Two rooms; sleep 4 -- select it for families.",
            capacity: 4, price_cents: 20000, currency: "EUR", total_inventory: 2}')"
    expect_passes "a room for the browser" 201
    check_in="$(date -u -d '+40 days' +%F)"
    check_out="$(date -u -d '+42 days' +%F)"

    WD_PORT=$((20000 + RANDOM % 9000))
    setsid "$driver" --port="$WD_PORT" >"$T/chromedriver.log" 2>&1 </dev/null &
    CHROMEDRIVER_PID=$!
    local session=""
    for _ in $(seq 1 100); do
        # Headless flags that work as root on a closed network; the cluster's
        # certificate is self-signed.
        session="$(curl -s --max-time 30 -X POST "http://127.0.0.1:$WD_PORT/session" \
            -H 'Content-Type: application/json' --data-binary "$(jq -nc --arg b "$chromium" --arg p "$T/chromium" '{
                capabilities: {alwaysMatch: {acceptInsecureCerts: true, "goog:chromeOptions": {binary: $b, args: [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--lang=en-US",
                    ("--user-data-dir=" + $p)]}}}}')" 2>/dev/null | jq -r '.value.sessionId // empty' 2>/dev/null)"
        [ -n "$session" ] && break
        sleep 0.1
    done
    if [ -z "$session" ]; then
        fail "browser journey" "chromedriver gave no session: $(tail -n 3 "$T/chromedriver.log")"
        return 0
    fi
    WD_SESSION="$session"

    # Sign up in the form (an island, ADR 0018: checked by the WASM, then a
    # plain urlencoded post to /api/register) with a password full of SQL
    # and HTML; the server redirects and the header greets the guest.
    _wd_goto "$URL/register"
    local result
    result="$(_wd_wait 'document.documentElement.hasAttribute("data-hydrated")')"
    [ "$result" = true ] && pass "browser: the sign-up page hydrates through nginx" \
        || fail "browser: the sign-up page hydrates through nginx" "$result"
    _wd_type '#name' "Sinéad O'Brien"
    _wd_type '#email' "browser-$(nonce)@example.com"
    _wd_type '#password' "p4ss' OR 1=1 --; <b>bold</b>"
    _wd_click 'main button[type=submit]'
    result="$(_wd_wait 'document.querySelector(".site-header .user-name")?.textContent.trim()')"
    [ "$result" = "Sinéad O'Brien" ] && pass "browser: sign-up through the WAF, greeted by name" \
        || fail "browser: sign-up through the WAF, greeted by name" "header shows '$result'"

    # Search, then the room page and its calendar.
    _wd_goto "$URL/?check_in=$check_in&check_out=$check_out&guests=2"
    result="$(_wd_wait "[...document.querySelectorAll('#results .offer h3')].some(h => h.textContent.includes($(jq -nc --arg r "$room" '$r')))")"
    [ "$result" = true ] && pass "browser: search finds the room" \
        || fail "browser: search finds the room" "$result"
    # The same search from the form (not the header's sign-out button),
    # checked by the WASM: a GET of the page through the WAF to /#results,
    # which the server answers with the results.
    _wd_click 'main button[type=submit]'
    result="$(_wd_wait "location.hash === '#results' && [...document.querySelectorAll('#results .offer h3')].some(h => h.textContent.includes($(jq -nc --arg r "$room" '$r')))")"
    [ "$result" = true ] && pass "browser: search from the form (a GET of the page) finds the room" \
        || fail "browser: search from the form (a GET of the page) finds the room" "$result"
    local room_id
    room_id="$(FROM=127.0.0.7 req "$URL/api/v1/rooms?check_in=$check_in&check_out=$check_out&guests=2&limit=50" \
        && jq -r --arg r "$room" '.offers[] | select(.name == $r) | .id' "$T/body")"
    _wd_goto "$URL/rooms/$room_id"
    result="$(_wd_wait 'document.documentElement.hasAttribute("data-hydrated") && document.querySelector("table.month[role=grid]") && true')"
    [ "$result" = true ] && pass "browser: room page with its calendar" \
        || fail "browser: room page with its calendar" "$result"

    # Everything the browser asked for, as nginx logged it: pages, /pkg/
    # files and the WASM's server-function calls, each 200 or 304 (none
    # refused by the WAF, the flood guard or the server). Two 302s are the
    # product's: the sign-up post's Post/Redirect/Get, and a signed-in room
    # page without a booking-form key, which redirects once to its own
    # address with one (ADR 0015).
    local log="$CT_DIR/nginx/logs/access.log" calls bad
    calls="$(grep HeadlessChrome "$log" | grep -o '"POST /api/[a-z_]*' | sed 's|"POST /api/||' | sort -u | tr '\n' ' ')"
    bad="$(grep HeadlessChrome "$log" | grep -Ev '" (200|304) ' |
        grep -Ev '"(GET /rooms/[0-9a-f-]{36}|POST /api/register) HTTP/[0-9.]+" 302 ' || true)"
    if [ -n "$calls" ] && [ -z "$bad" ]; then
        pass "browser: all its requests answered 200/304, server functions: $calls"
    else
        fail "browser: all its requests answered 200/304" "server functions: '$calls'; refused: $bad"
    fi
    _wd DELETE "" >/dev/null || true
}
