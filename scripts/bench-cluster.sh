#!/usr/bin/env bash
# Booking and search throughput through nginx (TLS, ModSecurity + CRS,
# least_conn) with 1 and with 3 instances, side by side in one run, and
# the 1-instance cluster's instance asked directly (plain HTTP, no nginx:
# the cost of the hop). Both clusters (scripts/cluster.sh, each with its
# own embedded PostgreSQL and Redis) run at once, and every scenario
# alternates between the targets (A B C C B A) so that background load on
# a shared machine hits all alike.
#
#   scripts/bench-cluster.sh                       release build, 10 s per run
#   scripts/bench-cluster.sh --no-build --profile debug --seconds 5
#
# Load comes from wrk (Debian's package, installed when missing) over
# HTTPS keep-alive connections, with a Lua script per scenario:
#   booking  POST /api/v1/bookings, one night on a random one of 50 rooms
#            (500 units each, never sold out) and a random night of the next
#            330, as one of 16 signed-in guests (bearer token);
#   search   GET /api/v1/rooms for 2 guests, random 1-7 night stays.
# The instances run with their rate limits out of the way and log at
# `warn`; nginx's flood guard is raised likewise. The table gives req/s and
# wrk's latency percentiles (p50, p99) per run, and the load average before
# and after. Options: --seconds N (10), --connections N (16), --profile
# release|debug, --no-build, --keep (keep the runtime folders).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

seconds=10
connections=16
profile=release
build=1
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --profile) profile="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "bench-cluster.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

ensure_nginx
ensure_redis
ensure_postgres_binaries
apt_install wrk jq curl
cd "$ROOT"
site="${LEPTOS_SITE_ROOT:-$ROOT/target/site}"
server="$(cargo_target_dir)/$profile/server"
if [ "$build" = 1 ]; then
    ensure_build_tools
    build_site "$profile" "$site"
    log "building the server ($profile)"
    cargo build --locked $([ "$profile" = release ] && echo --release) -p server
fi

work="$(mktemp -d /var/tmp/roombook-bench-cluster.XXXXXX)"
chmod 755 "$work"
cluster_pids=()
cleanup() {
    local pid
    for pid in "${cluster_pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${cluster_pids[@]}"; do
        for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "$keep" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_base() { # a run of 12 free loopback ports
    local base port ok
    for _ in $(seq 1 50); do
        base=$((30000 + RANDOM % 20000))
        ok=1
        for port in $(seq "$base" $((base + 11))); do
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then ok=0; break; fi
        done
        [ "$ok" = 1 ] && { echo "$base"; return 0; }
    done
    return 1
}

start_cluster() { # instances -> sets the cluster's folder in $cluster_dir
    local instances="$1" base
    base="$(free_base)"
    cluster_dir="$work/cluster-$instances"
    mkdir -p "$cluster_dir"
    # Limits out of the way: this measures throughput, not the limits.
    NGINX_RATE=100000 NGINX_BURST=100000 ROOMBOOK_SERVER_BIN="$server" LEPTOS_SITE_ROOT="$site" \
        setsid bash "$ROOT/scripts/cluster.sh" --foreground --no-build --profile "$profile" \
        --dir "$cluster_dir" --instances "$instances" --https-port "$base" \
        --http-port $((base + 1)) --redis-port $((base + 2)) --app-port $((base + 3)) \
        --metrics-port $((base + 7)) -- \
        --rate-limit-per-minute 10000000 --auth-rate-limit-per-15-min 1000000 \
        --log-filter warn \
        >"$cluster_dir/cluster.out" 2>"$cluster_dir/cluster.err" </dev/null &
    cluster_pids+=("$!")
}

wait_ready() { # folder
    local tries=1800
    until grep -q '^CLUSTER_READY=1' "$1/cluster.out" 2>/dev/null; do
        tries=$((tries - 1))
        if [ "$tries" = 0 ]; then
            tail -n 20 "$1/cluster.err" >&2
            echo "bench-cluster.sh: the cluster in $1 was not ready" >&2
            exit 1
        fi
        sleep 0.1
    done
}

# Fills a cluster through its API: an admin, 50 rooms of 500 units, 16
# guests; writes the wrk scripts next to it.
seed() { # folder
    local dir="$1" url cert db admin_token i token
    url="$(sed -n 's/^CLUSTER_URL=//p' "$dir/cluster.out")"
    cert="$(sed -n 's/^CLUSTER_TLS_CERT=//p' "$dir/cluster.out")"
    db="$(sed -n 's/^CLUSTER_DATABASE_URL=//p' "$dir/cluster.out")"
    local c=(curl -sS --fail-with-body --cacert "$cert" -H 'Content-Type: application/json')
    ROOMBOOK_ADMIN_PASSWORD="bench admin password" DATABASE_URL="$db" \
        "$server" create-admin --email admin@bench.example --name Bench >/dev/null
    admin_token="$("${c[@]}" -X POST "$url/api/v1/auth/login" \
        -d '{"email":"admin@bench.example","password":"bench admin password"}' | jq -r .token)"
    local rooms=()
    for i in $(seq 1 50); do
        rooms+=("$("${c[@]}" -X POST "$url/api/v1/admin/rooms" -H "Authorization: Bearer $admin_token" \
            -d "{\"name\":\"Room $i\",\"description\":\"Bench room\",\"capacity\":2,\"price_cents\":$((8000 + i * 100)),\"currency\":\"EUR\",\"total_inventory\":500}" |
            jq -r .id)")
    done
    local tokens=()
    for i in $(seq 1 16); do
        token="$("${c[@]}" -X POST "$url/api/v1/auth/register" \
            -d "{\"email\":\"guest$i@bench.example\",\"name\":\"Guest $i\",\"password\":\"bench guest password\"}" |
            jq -r .token)"
        tokens+=("\"$token\"")
    done
    local room_list token_list
    room_list="$(printf '"%s",' "${rooms[@]}")"
    token_list="$(IFS=,; echo "${tokens[*]}")"
    cat >"$dir/booking.lua" <<EOF
local rooms = {${room_list%,}}
local tokens = {${token_list}}
math.randomseed(os.time())
request = function()
  local night = os.time() + math.random(2, 330) * 86400
  local body = string.format(
    '{"room_id":"%s","check_in":"%s","check_out":"%s","guests":1,"units":1}',
    rooms[math.random(#rooms)], os.date("!%Y-%m-%d", night), os.date("!%Y-%m-%d", night + 86400))
  return wrk.format("POST", "/api/v1/bookings", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
  }, body)
end
EOF
    cat >"$dir/search.lua" <<'EOF'
math.randomseed(os.time())
request = function()
  local from = os.time() + math.random(2, 300) * 86400
  local nights = math.random(1, 7)
  return wrk.format("GET", string.format("/api/v1/rooms?check_in=%s&check_out=%s&guests=2",
    os.date("!%Y-%m-%d", from), os.date("!%Y-%m-%d", from + nights * 86400)))
end
EOF
    echo "$url" >"$dir/url"
}

# One wrk run: prints "req/s p50_ms p99_ms non2xx".
run_wrk() { # folder, scenario, url
    local dir="$1" scenario="$2" url="$3" out
    out="$(wrk --latency -t 2 -c "$connections" -d "${seconds}s" -s "$dir/$scenario.lua" "$url" 2>&1)"
    printf '%s\n' "$out" >>"$dir/wrk.log"
    local rps p50 p99 bad
    rps="$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")"
    p50="$(awk '$1 == "50%" { print $2 }' <<<"$out")"
    p99="$(awk '$1 == "99%" { print $2 }' <<<"$out")"
    bad="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")"
    echo "$rps $(to_ms "$p50") $(to_ms "$p99") ${bad:-0}"
}

to_ms() { # wrk's 1.23ms / 456.00us / 1.20s -> milliseconds
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n = n / 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n = n * 1000
        printf "%.1f", n }'
}

log "starting a 1-instance and a 3-instance cluster ($profile) in $work"
start_cluster 1
one="$cluster_dir"
start_cluster 3
three="$cluster_dir"
wait_ready "$one"
wait_ready "$three"
log "seeding both (50 rooms x 500 units, 16 guests each)"
seed "$one"
seed "$three"

printf '\n%s, %s build, %s connections, %s s per run, %s CPUs, load average before: %s\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$profile" "$connections" "$seconds" "$(nproc)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
# The 1-instance cluster's instance itself, without nginx.
direct="http://$(sed -n 's/^CLUSTER_INSTANCES=//p' "$one/cluster.out")"
printf '\n| scenario | target | run | req/s | p50 ms | p99 ms | non-2xx |\n|---|---|---:|---:|---:|---:|---:|\n'
for scenario in booking search; do
    # A B C C B A: drift in the machine's background load hits all alike.
    run=0
    for target in nginx-1 nginx-3 direct-1 direct-1 nginx-3 nginx-1; do
        run=$((run + 1))
        case "$target" in
            nginx-1) dir="$one" url="$(cat "$one/url")" label="nginx, 1 instance" ;;
            nginx-3) dir="$three" url="$(cat "$three/url")" label="nginx, 3 instances" ;;
            direct-1) dir="$one" url="$direct" label="1 instance, direct (HTTP)" ;;
        esac
        read -r rps p50 p99 bad < <(run_wrk "$dir" "$scenario" "$url")
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$scenario" "$label" "$run" "$rps" "$p50" "$p99" "$bad"
    done
done
printf '\nload average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
