#!/usr/bin/env bash
# Renders deploy/nginx.conf and the WAF's entry file into a runtime folder:
#
#   deploy/render-nginx.sh RUNTIME_DIR
#
# then `nginx -t -c RUNTIME_DIR/nginx.conf -p RUNTIME_DIR` checks it and
# `nginx -c RUNTIME_DIR/nginx.conf -p RUNTIME_DIR` runs it (in the
# foreground: the template says `daemon off`). Used by scripts/cluster.sh
# and by the nginx image of deploy/docker-compose.yml. Settings (environment):
#
#   NGINX_UPSTREAMS      instances, space-separated host:port (required)
#   NGINX_SITE_ROOT      built site folder holding pkg/ (required)
#   NGINX_TLS_CERT/KEY   certificate and key files, PEM (required)
#   NGINX_HTTPS_LISTEN   default 127.0.0.1:8443
#   NGINX_HTTP_LISTEN    default 127.0.0.1:8080 (redirects to HTTPS)
#   NGINX_PUBLIC_HTTPS_PORT  port in redirect URLs; default: the port of
#                        NGINX_HTTPS_LISTEN (none in the URL when 443)
#   NGINX_USER           worker user when started as root; default www-data
#   NGINX_ERROR_LOG / NGINX_ACCESS_LOG  default RUNTIME_DIR/logs/{error,access}.log
#                        (a container sets /dev/stderr and /dev/stdout)
#   NGINX_RATE           flood guard, requests/s per client; default 50
#   NGINX_BURST          flood guard burst; default 200
#   CRS_RULES_DIR        default /usr/share/modsecurity-crs/rules (Debian)
#   MODSEC_DEBUG_LOG_LEVEL  0-9, writes logs/modsec_debug.log (slow; 9 names
#                        every rule that matched); default 0 = none
set -euo pipefail

out="${1:?usage: render-nginx.sh RUNTIME_DIR}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

: "${NGINX_UPSTREAMS:?set NGINX_UPSTREAMS to the instances (host:port ...)}"
: "${NGINX_SITE_ROOT:?set NGINX_SITE_ROOT to the built site folder}"
: "${NGINX_TLS_CERT:?set NGINX_TLS_CERT}"
: "${NGINX_TLS_KEY:?set NGINX_TLS_KEY}"
https_listen="${NGINX_HTTPS_LISTEN:-127.0.0.1:8443}"
http_listen="${NGINX_HTTP_LISTEN:-127.0.0.1:8080}"
public_port="${NGINX_PUBLIC_HTTPS_PORT:-${https_listen##*:}}"
port_suffix=":$public_port"
[ "$public_port" = 443 ] && port_suffix=""
crs_rules="${CRS_RULES_DIR:-/usr/share/modsecurity-crs/rules}"

absolute() { (cd "$(dirname "$1")" && printf '%s/%s' "$(pwd)" "$(basename "$1")"); }

mkdir -p "$out"
out="$(cd "$out" && pwd)"
mkdir -p "$out/logs" "$out/modsecurity" \
    "$out/tmp/client_body" "$out/tmp/proxy" "$out/tmp/fastcgi" "$out/tmp/uwsgi" \
    "$out/tmp/scgi" "$out/tmp/modsecurity"

# brotli_static when the module is there (Debian 12:
# libnginx-mod-http-brotli-static); without it only the .gz files are sent.
brotli_module_file="${NGINX_BROTLI_STATIC_MODULE:-/usr/lib/nginx/modules/ngx_http_brotli_static_module.so}"
brotli_module=""
brotli_static=""
if [ -f "$brotli_module_file" ]; then
    brotli_module="load_module $brotli_module_file;"
    brotli_static="            brotli_static on;"
fi

servers=""
for upstream in $NGINX_UPSTREAMS; do
    # Three failures (refused connection, timeout, 502/503) within 5 s take
    # an instance out for 5 s. Each failed attempt is retried on another
    # instance when it is safe (nginx.conf), so a dead instance costs a few
    # quick retries; one overloaded moment (a 503) does not eject it and push
    # its load onto the others.
    servers+="        server $upstream max_fails=3 fail_timeout=5s;"$'\n'
done
servers="${servers%$'\n'}"

# Literal replacement of every @@NAME@@ (bash pattern replacement, so values
# may hold slashes or newlines).
render() {
    local text
    text="$(cat "$1")"
    text="${text//@@PREFIX@@/$out}"
    text="${text//@@NGINX_USER@@/${NGINX_USER:-www-data}}"
    text="${text//@@ERROR_LOG@@/${NGINX_ERROR_LOG:-$out/logs/error.log}}"
    text="${text//@@ACCESS_LOG@@/${NGINX_ACCESS_LOG:-$out/logs/access.log}}"
    text="${text//@@UPSTREAM_SERVERS@@/$servers}"
    text="${text//@@HTTP_LISTEN@@/$http_listen}"
    text="${text//@@HTTPS_LISTEN@@/$https_listen}"
    text="${text//@@HTTPS_PORT_SUFFIX@@/$port_suffix}"
    text="${text//@@TLS_CERT@@/$(absolute "$NGINX_TLS_CERT")}"
    text="${text//@@TLS_KEY@@/$(absolute "$NGINX_TLS_KEY")}"
    text="${text//@@SITE_ROOT@@/$(absolute "$NGINX_SITE_ROOT")}"
    text="${text//@@RATE@@/${NGINX_RATE:-50}}"
    text="${text//@@BURST@@/${NGINX_BURST:-200}}"
    text="${text//@@BROTLI_MODULE@@/$brotli_module}"
    text="${text//@@BROTLI_STATIC@@/$brotli_static}"
    text="${text//@@MODSEC_DIR@@/$here/modsecurity}"
    text="${text//@@CRS_RULES@@/$crs_rules}"
    if [[ "$text" == *@@*@@* ]]; then
        echo "render-nginx.sh: unfilled placeholder in $1" >&2
        return 1
    fi
    printf '%s\n' "$text" >"$2"
}

render "$here/nginx.conf" "$out/nginx.conf"
render "$here/modsecurity/main.conf.in" "$out/modsecurity/main.conf"
if [ "${MODSEC_DEBUG_LOG_LEVEL:-0}" != 0 ]; then
    printf 'SecDebugLog %s/logs/modsec_debug.log\nSecDebugLogLevel %s\n' \
        "$out" "$MODSEC_DEBUG_LOG_LEVEL" >>"$out/modsecurity/main.conf"
fi

# Workers (not the master) write the logs and temporary files.
if [ "$(id -u)" -eq 0 ]; then
    chown -R "${NGINX_USER:-www-data}" "$out/logs" "$out/tmp"
fi
