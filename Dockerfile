# syntax=docker/dockerfile:1
# Multi-stage build: cargo-leptos builds the server and the WASM site; the
# runtime image holds only the binary, the site folder and CA certificates,
# and runs as an unprivileged user.

FROM rust:1.95-slim-bookworm AS build
ARG CARGO_LEPTOS_VERSION=0.3.10
ARG WASM_BINDGEN_VERSION=0.2.130
ARG BINARYEN_VERSION=132.0.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config nodejs npm \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown \
 && cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads \
 && cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" \
 && npm install --global "binaryen@$BINARYEN_VERSION"
WORKDIR /src
COPY . .
RUN cargo leptos build --release --locked 2>&1 \
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
