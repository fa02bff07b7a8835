#!/usr/bin/env bash
# Entry point of the nginx (+ ModSecurity/CRS) container of
# deploy/docker-compose.yml: renders deploy/nginx.conf for the instances
# named in NGINX_UPSTREAMS, uses the certificate mounted at
# /etc/roombook/tls/{cert,key}.pem or makes a self-signed one, checks the
# result with `nginx -t` and runs nginx in the foreground.
set -euo pipefail

home="${ROOMBOOK_NGINX_HOME:-/etc/roombook}"
runtime="${ROOMBOOK_NGINX_RUNTIME:-/run/roombook-nginx}"
tls="$home/tls"
cert="${NGINX_TLS_CERT:-$tls/cert.pem}"
key="${NGINX_TLS_KEY:-$tls/key.pem}"
if [ ! -s "$cert" ] || [ ! -s "$key" ]; then
    # No certificate given: a self-signed one, valid for the names in
    # NGINX_TLS_NAMES (default localhost), made once per container.
    cert="$runtime/tls/cert.pem"
    key="$runtime/tls/key.pem"
    mkdir -p "$runtime/tls"
    san="IP:127.0.0.1"
    for name in ${NGINX_TLS_NAMES:-localhost}; do san+=",DNS:$name"; done
    echo "nginx-entrypoint: no certificate in $tls; generating a self-signed one ($san)" >&2
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=localhost" \
        -addext "subjectAltName=$san" -keyout "$key" -out "$cert" 2>/dev/null
    chmod 600 "$key"
fi

NGINX_TLS_CERT="$cert" NGINX_TLS_KEY="$key" \
    NGINX_ERROR_LOG="${NGINX_ERROR_LOG:-/dev/stderr}" \
    NGINX_ACCESS_LOG="${NGINX_ACCESS_LOG:-/dev/stdout}" \
    "$home/render-nginx.sh" "$runtime"
nginx -e /dev/stderr -t -q -c "$runtime/nginx.conf" -p "$runtime"
exec nginx -e /dev/stderr -c "$runtime/nginx.conf" -p "$runtime"
