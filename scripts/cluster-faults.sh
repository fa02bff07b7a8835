#!/usr/bin/env bash
# Fault tests through nginx, the last part of scripts/cluster-test.sh (which
# sources this file): on the test cluster's own embedded PostgreSQL and its
# own redis-server, never the machine's shared ones.
#
# - SIGTERM to one instance during GET and booking load: no GET fails, the
#   instance drains and exits, a failed booking is retried with its
#   Idempotency-Key and exists exactly once in the database;
# - Redis killed (then restarted) and frozen (SIGSTOP, then SIGCONT) during
#   load: no request waits 1 s, no 5xx, /readyz 200 with Redis "degraded",
#   one log line per change of state, back to Redis without a restart;
# - PostgreSQL stopped and started during a booking load: /readyz 503 while
#   it is away, every 201 a client saw is in the database, no key booked
#   twice, every pool recovers by itself.
#
# The load and the checks are scripts/cluster_faults.py (Python's standard
# library: threads, http.client, every request timed). The whole part is
# bounded by CLUSTER_FAULTS_TIMEOUT_SECS (default 150); CLUSTER_FAULTS=0
# skips it. It runs last: the cluster has one instance fewer afterwards.

_ct_faults() {
    if [ "${CLUSTER_FAULTS:-1}" = 0 ]; then
        echo "SKIPPED: fault tests (CLUSTER_FAULTS=0)" >&2
        return 0
    fi
    if [ -z "$ADMIN_TOKEN" ]; then
        fail "fault tests" "no admin token (the admin sign-in above failed)"
        return 0
    fi
    local seconds="${CLUSTER_FAULTS_TIMEOUT_SECS:-150}" status=0 line
    log "fault tests through nginx (at most ${seconds}s)"
    # Processes the fault tests start themselves (a restarted redis-server)
    # leave their pid files here; _ct_stop_cluster stops them.
    FAULTS_RUN="$CT_DIR/faults-run"
    mkdir -p "$FAULTS_RUN"
    # `--admin-token=`: a token may start with '-' (URL-safe base64), which
    # argparse would take for an option.
    timeout --signal=TERM --kill-after=10 "$seconds" python3 -u "$ROOT/scripts/cluster_faults.py" \
        --url "$URL" --cert "$CERT" \
        --instances "$(sed -n 's/^CLUSTER_INSTANCES=//p' "$CT_DIR/cluster.out")" \
        --metrics "$(sed -n 's/^CLUSTER_METRICS=//p' "$CT_DIR/cluster.out")" \
        --pids "$(sed -n 's/^CLUSTER_PIDS=//p' "$CT_DIR/cluster.out")" \
        --redis-port "$REDIS_PORT" --redis-dir "$CT_DIR/redis" \
        --db-url "$DB_URL" --logs "$CT_DIR/logs" --run-dir "$FAULTS_RUN" \
        --admin-token="$ADMIN_TOKEN" >"$T/faults.out" 2>"$T/faults.err" || status=$?
    # Each check the script made counts like the checks here.
    while IFS= read -r line; do
        printf '%s\n' "$line"
        case "$line" in
            "ok     "*) PASSED=$((PASSED + 1)) ;;
            "FAILED "*) FAILED=$((FAILED + 1)) ;;
        esac
    done <"$T/faults.out"
    if [ "$status" = 124 ] || [ "$status" = 137 ]; then
        fail "fault tests" "stopped after ${seconds}s (CLUSTER_FAULTS_TIMEOUT_SECS)"
    elif [ "$status" != 0 ] && ! grep -q '^FAILED ' "$T/faults.out"; then
        fail "fault tests" "cluster_faults.py exited with $status: $(tail -n 5 "$T/faults.err")"
    fi
    cp "$T/faults.out" "$T/faults.err" "$CT_DIR/logs/" 2>/dev/null || true
}

# Stops what the fault tests started (pid and start time, so a reused pid
# is never signalled).
_ct_faults_reap() {
    local file pid started
    for file in "$1"/faults-run/*.pid; do
        [ -e "$file" ] || continue
        read -r pid started <"$file" || true
        [ -n "${pid:-}" ] || continue
        if [ "$(awk '{ print $22 }' "/proc/$pid/stat" 2>/dev/null)" = "${started:-}" ]; then
            # A frozen process must be thawed to hear SIGTERM.
            kill -CONT "$pid" 2>/dev/null || true
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
        fi
        rm -f "$file"
    done
}
