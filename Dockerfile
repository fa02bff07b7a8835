# syntax=docker/dockerfile:1
# Multi-stage build: the server and the WASM site are built with the same
# steps as scripts/lib.sh (build_site, ADR 0005); the
# runtime image holds only the binary, the site folder and CA certificates,
# and runs as an unprivileged user.

FROM rust:1.95-slim-bookworm AS build
ARG WASM_BINDGEN_VERSION=0.2.130
ARG BINARYEN_VERSION=132.0.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config nodejs npm \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown \
 && cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" \
 && npm install --global "binaryen@$BINARYEN_VERSION"
WORKDIR /src
COPY . .
RUN cargo build --locked -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release \
 && wasm-bindgen --target web --no-typescript --out-dir target/site/pkg --out-name roombook \
      target/wasm32-unknown-unknown/wasm-release/frontend.wasm \
 && mv target/site/pkg/roombook_bg.wasm target/site/pkg/roombook.wasm \
 && wasm-opt -Oz -o target/site/pkg/roombook.wasm target/site/pkg/roombook.wasm \
 && cp style/main.css target/site/pkg/roombook.css \
 && cp -r public/. target/site/ \
 && cargo build --locked --release -p server \
 && strip target/release/server

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin roombook
WORKDIR /app
COPY --from=build /src/target/release/server /app/server
COPY --from=build /src/target/site /app/site
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
