#!/usr/bin/env bash
# Runs Roombook as a small cluster on this machine, the way it runs behind a
# load balancer: PostgreSQL, Redis, several server instances on loopback
# ports and nginx in front (HTTPS with a self-signed certificate, HTTP
# redirected to it, ModSecurity + OWASP CRS, least_conn over the instances).
# Prints the URL and runs until Ctrl-C or SIGTERM, then stops everything it
# started (nginx first, then the instances, which finish their requests,
# then Redis and PostgreSQL).
#
#   scripts/cluster.sh                      build (release) and run
#   scripts/cluster.sh --profile debug --no-build --foreground   (tests)
#   scripts/cluster.sh -- --auth-rate-limit-per-15-min 100      (server flags)
#
# Installs what is missing first, like scripts/run.sh (nginx, the WAF
# packages, redis-server, PostgreSQL's binaries, the build tools).
# `scripts/cluster.sh --help` lists the settings.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'EOF'
Usage: scripts/cluster.sh [options] [-- server flags...]

Options (each also an environment variable):
  --instances N      CLUSTER_INSTANCES   server instances (default 3)
  --dir DIR          CLUSTER_DIR         runtime folder: database, logs, nginx
                                         config, certificate
                                         (default /var/tmp/roombook-cluster)
  --https-port P     CLUSTER_HTTPS_PORT  nginx HTTPS port (default 8443)
  --http-port P      CLUSTER_HTTP_PORT   nginx HTTP port, redirects (default 8080)
  --app-port P       CLUSTER_APP_PORT    first instance's port; the others
                                         follow (default 3101)
  --redis-port P     CLUSTER_REDIS_PORT  port of the Redis started here
                                         (default 6390)
  --metrics-port P   CLUSTER_METRICS_PORT  first instance's /metrics port
                                         (loopback only); the others follow
                                         (default: the app port + 100)
  --profile P        CLUSTER_PROFILE     release (default) or debug build
  --no-build         CLUSTER_NO_BUILD=1  use the server and site already built
  --foreground                           for scripts and tests: print only
                                         KEY=value lines on standard output
                                         (CLUSTER_URL=... once ready); logs
                                         go to DIR/logs
  -h, --help

Also read: DATABASE_URL (use that database instead of starting the embedded
cluster), REDIS_URL (use that Redis instead of starting one),
CLUSTER_TLS_CERT / CLUSTER_TLS_KEY (use this certificate instead of a
self-signed one), LEPTOS_SITE_ROOT (site folder, default target/site),
ROOMBOOK_SERVER_BIN (server binary), NGINX_RATE / NGINX_BURST (nginx flood
guard per client address, default 50 r/s, burst 200), and every ROOMBOOK_*
setting of the server (passed on to each instance).
EOF
}

instances="${CLUSTER_INSTANCES:-3}"
dir="${CLUSTER_DIR:-/var/tmp/roombook-cluster}"
https_port="${CLUSTER_HTTPS_PORT:-8443}"
http_port="${CLUSTER_HTTP_PORT:-8080}"
app_port="${CLUSTER_APP_PORT:-3101}"
redis_port="${CLUSTER_REDIS_PORT:-6390}"
metrics_port="${CLUSTER_METRICS_PORT:-}"
profile="${CLUSTER_PROFILE:-release}"
build=1
[ "${CLUSTER_NO_BUILD:-0}" = 1 ] && build=0
foreground=0
server_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --instances) instances="$2"; shift 2 ;;
        --dir) dir="$2"; shift 2 ;;
        --https-port) https_port="$2"; shift 2 ;;
        --http-port) http_port="$2"; shift 2 ;;
        --app-port) app_port="$2"; shift 2 ;;
        --redis-port) redis_port="$2"; shift 2 ;;
        --metrics-port) metrics_port="$2"; shift 2 ;;
        --profile) profile="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --foreground) foreground=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; server_args=("$@"); break ;;
        *) echo "cluster.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$profile" in release|debug) ;; *) echo "cluster.sh: --profile is release or debug" >&2; exit 2 ;; esac
[[ "$instances" =~ ^[1-9][0-9]?$ ]] || { echo "cluster.sh: --instances is 1 to 99" >&2; exit 2; }
metrics_port="${metrics_port:-$((app_port + 100))}"

# Human-readable progress goes to stderr; standard output carries only the
# KEY=value lines, so a test can read them.
say() { [ "$foreground" = 1 ] || log "$@"; }
die() { printf 'cluster.sh: %s\n' "$*" >&2; exit 1; }

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
logs="$dir/logs"
run="$dir/run"
mkdir -p "$logs" "$run"

# One cluster per folder: a second one would share its database and logs.
exec 9>"$dir/lock"
flock -n 9 || die "another cluster.sh is running with $dir (lock $dir/lock)"

# --- what is needed, installed once --------------------------------------
ensure_nginx
[ -n "${REDIS_URL:-}" ] || ensure_redis
[ -n "${DATABASE_URL:-}" ] || ensure_postgres_binaries

cd "$ROOT"
site="${LEPTOS_SITE_ROOT:-$ROOT/target/site}"
server="${ROOMBOOK_SERVER_BIN:-$(cargo_target_dir)/$profile/server}"
if [ "$build" = 1 ]; then
    ensure_build_tools
    build_site "$profile" "$site"
    log "building the server ($profile)"
    if [ "$profile" = release ]; then
        cargo build --locked --release -p server
    else
        cargo build --locked -p server
    fi
fi
[ -x "$server" ] || die "no server binary at $server (build it, or drop --no-build)"
[ -f "$site/assets.txt" ] || die "no built site in $site (build it, or drop --no-build)"

# --- processes: started in their own session, remembered by pid and start
# time, so that shutdown (and a later run after a crash) signals exactly
# them and never a process that merely reuses the number ---------------------
pids=()
names=()

start_time() { awk '{ print $22 }' "/proc/$1/stat" 2>/dev/null; }

start() { # name, log file, command...
    local name="$1" logfile="$2"
    shift 2
    # Without the lock's descriptor: a process that outlives this script
    # must not keep the folder locked.
    setsid "$@" >"$logfile" 2>&1 </dev/null 9>&- &
    local pid=$!
    pids+=("$pid")
    names+=("$name")
    echo "$pid $(start_time "$pid")" >"$run/$name.pid"
}

alive() { kill -0 "$1" 2>/dev/null; }

# Signals the process and waits up to $3 seconds, then kills it.
stop_pid() { # pid, signal, seconds
    local pid="$1" signal="$2" seconds="$3"
    alive "$pid" || return 0
    kill -"$signal" "$pid" 2>/dev/null || return 0
    local waited=0
    while alive "$pid" && [ "$waited" -lt $((seconds * 10)) ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    if alive "$pid"; then
        echo "cluster.sh: $pid did not stop within ${seconds}s, killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# Leftovers of a run that was killed (SIGKILL) before it could clean up.
stop_stale() {
    local file pid started
    for file in "$run"/*.pid; do
        [ -e "$file" ] || continue
        read -r pid started <"$file" || true
        if [ -n "${pid:-}" ] && [ "$(start_time "$pid")" = "${started:-}" ]; then
            say "stopping $(basename "$file" .pid) (pid $pid) left by an earlier run"
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
            if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
        fi
        rm -f "$file"
    done
}

stopping=0
shutdown() {
    if [ "$stopping" = 1 ]; then return 0; fi
    stopping=1
    trap '' INT TERM HUP
    say "stopping the cluster"
    local i jobs=()
    # nginx first (it finishes the requests in flight), then the instances
    # together (each drains its own), then what they depend on.
    for i in "${!names[@]}"; do
        if [ "${names[$i]}" = nginx ]; then stop_pid "${pids[$i]}" QUIT 15; fi
    done
    for i in "${!names[@]}"; do
        if [[ "${names[$i]}" == app-* ]]; then
            stop_pid "${pids[$i]}" TERM 30 &
            jobs+=("$!")
        fi
    done
    for i in "${jobs[@]}"; do wait "$i" 2>/dev/null || true; done
    for i in "${!names[@]}"; do
        if [ "${names[$i]}" = redis ]; then stop_pid "${pids[$i]}" TERM 10; fi
    done
    for i in "${!names[@]}"; do
        if [ "${names[$i]}" = postgres ]; then stop_pid "${pids[$i]}" TERM 40; fi
    done
    rm -f "$run"/*.pid
    return 0
}

on_signal() {
    shutdown
    exit 0
}
trap on_signal INT TERM HUP
trap shutdown EXIT

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits until "$@" succeeds, for at most $1 seconds; fails early when the
# process $2 has exited.
wait_for() { # seconds, pid, what, command...
    local seconds="$1" pid="$2" what="$3"
    shift 3
    local tries=$((seconds * 10))
    while [ "$tries" -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        alive "$pid" || die "$what exited while starting; see its log in $logs"
        sleep 0.1
        tries=$((tries - 1))
    done
    die "$what was not ready within ${seconds}s; see its log in $logs"
}

stop_stale
ports=("$https_port" "$http_port")
[ -n "${REDIS_URL:-}" ] || ports+=("$redis_port")
for ((i = 0; i < instances; i++)); do ports+=($((app_port + i)) $((metrics_port + i))); done
for port in "${ports[@]}"; do
    port_free "$port" || die "port $port on 127.0.0.1 is in use (choose others, see --help)"
done

# --- PostgreSQL -----------------------------------------------------------
database_url="${DATABASE_URL:-}"
if [ -z "$database_url" ]; then
    say "starting the embedded PostgreSQL in $dir/postgres"
    mkdir -p "$dir/postgres"
    # The postgres system user runs the cluster when we are root: it must be
    # able to reach the folder.
    chmod 755 "$dir"
    : >"$run/postgres.out"
    setsid "$server" --data-dir "$dir/postgres" embedded-postgres \
        >"$run/postgres.out" 2>"$logs/postgres.log" </dev/null 9>&- &
    pids+=("$!")
    names+=(postgres)
    echo "$! $(start_time "$!")" >"$run/postgres.pid"
    pg_pid=$!
    for _ in $(seq 1 600); do
        database_url="$(sed -n 's/^DATABASE_URL=//p' "$run/postgres.out")"
        [ -n "$database_url" ] && break
        alive "$pg_pid" || die "the embedded PostgreSQL did not start; see $logs/postgres.log"
        sleep 0.1
    done
    [ -n "$database_url" ] || die "the embedded PostgreSQL was not ready within 60s; see $logs/postgres.log"
fi

# --- Redis ----------------------------------------------------------------
redis_url="${REDIS_URL:-}"
if [ -z "$redis_url" ]; then
    say "starting redis-server on 127.0.0.1:$redis_port"
    mkdir -p "$dir/redis"
    # Rate-limit counters and a session cache only: nothing kept on disk.
    start redis "$logs/redis.log" redis-server --bind 127.0.0.1 --port "$redis_port" \
        --save "" --appendonly no --dir "$dir/redis" --protected-mode yes
    wait_for 10 "${pids[-1]}" redis-server redis-cli -p "$redis_port" ping
    redis_url="redis://127.0.0.1:$redis_port"
fi

# --- the instances ----------------------------------------------------------
upstreams=()
metrics=()
app_pids=()
for ((i = 1; i <= instances; i++)); do
    port=$((app_port + i - 1))
    upstreams+=("127.0.0.1:$port")
    metrics+=("127.0.0.1:$((metrics_port + i - 1))")
    say "starting instance $i on 127.0.0.1:$port"
    # URLs by environment, not flags: they may hold passwords and flags show
    # up in the process list. REDIS_URL is read by servers that support it.
    DATABASE_URL="$database_url" REDIS_URL="$redis_url" NO_COLOR=1 \
        start "app-$i" "$logs/app-$i.log" "$server" \
        --listen "127.0.0.1:$port" \
        --metrics-listen "${metrics[-1]}" \
        --site-root "$site" \
        --trusted-proxies 127.0.0.1 \
        --cookie-secure true \
        "${server_args[@]}" serve
    app_pids+=("${pids[-1]}")
done
for ((i = 1; i <= instances; i++)); do
    # The first start runs the migrations (one instance at a time: sqlx
    # takes an advisory lock).
    wait_for 120 "${app_pids[$((i - 1))]}" "instance $i" \
        curl -sf --max-time 2 "http://127.0.0.1:$((app_port + i - 1))/readyz"
done

# --- nginx ------------------------------------------------------------------
tls_cert="${CLUSTER_TLS_CERT:-}"
tls_key="${CLUSTER_TLS_KEY:-}"
if [ -z "$tls_cert" ]; then
    tls_cert="$dir/tls/cert.pem"
    tls_key="$dir/tls/key.pem"
    if ! openssl x509 -checkend 86400 -noout -in "$tls_cert" >/dev/null 2>&1; then
        say "generating a self-signed certificate for localhost / 127.0.0.1"
        mkdir -p "$dir/tls"
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" \
            -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
            -keyout "$tls_key" -out "$tls_cert" 2>/dev/null
        chmod 600 "$tls_key"
    fi
fi

nginx_user=www-data
if [ "$(id -u)" -eq 0 ]; then
    # The workers read the site as www-data; copy it when they cannot.
    if ! runuser -u "$nginx_user" -- test -r "$site/assets.txt"; then
        say "copying the site to $dir/site (www-data cannot read $site)"
        rm -rf "$dir/site"
        cp -r "$site" "$dir/site"
        chmod -R a+rX "$dir/site"
        site="$dir/site"
    fi
else
    nginx_user="$(id -un)"
fi

NGINX_UPSTREAMS="${upstreams[*]}" \
    NGINX_SITE_ROOT="$site" \
    NGINX_TLS_CERT="$tls_cert" \
    NGINX_TLS_KEY="$tls_key" \
    NGINX_HTTPS_LISTEN="127.0.0.1:$https_port" \
    NGINX_HTTP_LISTEN="127.0.0.1:$http_port" \
    NGINX_USER="$nginx_user" \
    "$ROOT/deploy/render-nginx.sh" "$dir/nginx"
nginx_cmd=(nginx -e "$dir/nginx/logs/error.log" -c "$dir/nginx/nginx.conf" -p "$dir/nginx")
"${nginx_cmd[@]}" -t -q || die "nginx -t refused the generated configuration in $dir/nginx"
say "starting nginx (HTTPS 127.0.0.1:$https_port, HTTP 127.0.0.1:$http_port)"
start nginx "$logs/nginx.out" "${nginx_cmd[@]}"
url="https://127.0.0.1:$https_port"
wait_for 20 "${pids[-1]}" nginx curl -sf --max-time 2 --cacert "$tls_cert" "$url/healthz"

instance_list="$(IFS=,; echo "${upstreams[*]}")"
printf 'CLUSTER_URL=%s\n' "$url"
printf 'CLUSTER_HTTP_URL=http://127.0.0.1:%s\n' "$http_port"
printf 'CLUSTER_INSTANCES=%s\n' "$instance_list"
printf 'CLUSTER_METRICS=%s\n' "$(IFS=,; echo "${metrics[*]}")"
printf 'CLUSTER_TLS_CERT=%s\n' "$tls_cert"
printf 'CLUSTER_LOGS=%s\n' "$logs"
# Only what this script started: a given DATABASE_URL/REDIS_URL may hold a
# password and is not repeated.
[ -n "${DATABASE_URL:-}" ] || printf 'CLUSTER_DATABASE_URL=%s\n' "$database_url"
[ -n "${REDIS_URL:-}" ] || printf 'CLUSTER_REDIS_URL=%s\n' "$redis_url"
pid_list=""
for i in "${!pids[@]}"; do pid_list+="${pid_list:+,}${names[$i]}:${pids[$i]}"; done
printf 'CLUSTER_PIDS=%s\n' "$pid_list"
printf 'CLUSTER_READY=1\n'
if [ "$foreground" = 0 ]; then
    log "Roombook runs at $url ($instances instances behind nginx + ModSecurity/CRS)"
    log "the certificate is self-signed: curl --cacert $tls_cert $url/ (or accept it in the browser)"
    log "logs: $logs and $dir/nginx/logs; Ctrl-C stops everything"
fi

# --- run until a signal ---------------------------------------------------------
# An instance, Redis or PostgreSQL that exits is reported and the rest keeps
# running: that is the degraded cluster fault tests look at (nginx routes
# around a dead instance). Without nginx there is no cluster: then stop.
live=("${pids[@]}")
while [ "${#live[@]}" -gt 0 ]; do
    exited=""
    code=0
    wait -n -p exited "${live[@]}" || code=$?
    [ -n "$exited" ] || continue
    still=()
    for pid in "${live[@]}"; do [ "$pid" = "$exited" ] || still+=("$pid"); done
    live=("${still[@]}")
    for i in "${!pids[@]}"; do
        [ "${pids[$i]}" = "$exited" ] || continue
        echo "cluster.sh: ${names[$i]} (pid $exited) exited with status $code (logs in $logs)" >&2
        if [ "${names[$i]}" = nginx ]; then
            shutdown
            exit 1
        fi
    done
done
echo "cluster.sh: every process has exited" >&2
exit 1
