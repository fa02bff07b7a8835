# syntax=docker/dockerfile:1.7
# Multi-stage build with BuildKit cache mounts:
#   build  - the build tools (scripts/lib.sh ensure_build_tools: wasm32
#            target, wasm-bindgen-cli, wasm-opt), then the site through
#            lib.sh's build_site (WASM, JS, CSS and their .gz files) and
#            the server, both release. Cargo's registry and target folder
#            live in cache mounts, so a rebuild after a source change
#            recompiles only the workspace crates.
#   app    - (default) the server and the site on debian:bookworm-slim,
#            as an unprivileged user.
#   proxy  - nginx with ModSecurity v3 + OWASP CRS and brotli_static
#            (Debian packages) and the site's /pkg files, configured by
#            deploy/render-nginx.sh (the same as scripts/cluster.sh's).
# `docker compose -f deploy/docker-compose.yml up --build` builds both.

FROM rust:1.95-slim-bookworm AS build
ENV ROOMBOOK_TOOLS_DIR=/opt/roombook-tools \
    CARGO_TARGET_DIR=/cache/target
WORKDIR /src
# The tools first, from lib.sh alone: this layer survives source changes.
COPY scripts/lib.sh scripts/lib.sh
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
 && bash -c 'source scripts/lib.sh && ensure_build_tools'
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/cache/target,sharing=locked \
    bash -c 'source scripts/lib.sh \
      && build_site release /out/site \
      && cargo build --locked --release -p server \
      && install -D -m 755 /cache/target/release/server /out/server \
      && strip /out/server'

FROM debian:bookworm-slim AS proxy
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx libnginx-mod-http-modsecurity \
      libnginx-mod-http-brotli-static modsecurity-crs openssl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && rm -f /etc/nginx/sites-enabled/default
COPY deploy/nginx.conf deploy/render-nginx.sh /etc/roombook/
COPY deploy/modsecurity /etc/roombook/modsecurity
COPY deploy/nginx-entrypoint.sh /usr/local/bin/roombook-nginx
COPY --from=build /out/site /srv/roombook/site
ENV NGINX_SITE_ROOT=/srv/roombook/site \
    NGINX_HTTPS_LISTEN=0.0.0.0:8443 \
    NGINX_HTTP_LISTEN=0.0.0.0:8080
EXPOSE 8443 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 308 '"]
ENTRYPOINT ["/usr/local/bin/roombook-nginx"]

FROM debian:bookworm-slim AS app
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin roombook
WORKDIR /app
COPY --from=build /out/server /app/server
COPY --from=build /out/site /app/site
ENV LEPTOS_SITE_ROOT=/app/site \
    ROOMBOOK_LISTEN=0.0.0.0:3000 \
    ROOMBOOK_LOG_FORMAT=json \
    RUST_LOG=info
USER roombook
EXPOSE 3000
# No curl in a slim image: bash's /dev/tcp asks /readyz directly.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/3000 && printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/app/server"]
