//! Cross-cutting HTTP behaviour: request ids, tracing, timeouts, panics,
//! body limits, security headers (a content security policy with a nonce
//! per response) and no caching of personal answers. Applied once, around
//! every route.

use std::{any::Any, sync::Arc, time::Duration};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;

use axum::{
    Router,
    http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header},
    response::{IntoResponse, Response},
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{CompressionLayer, DefaultPredicate, Predicate},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use super::auth::{SECURE_SESSION_COOKIE, SESSION_COOKIE, token_from_headers};
use super::problem::{
    ApiError, Problem, api_errors_as_problems, problem_response, server_fn_errors_with_their_status,
};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest client-sent request id kept for the logs.
const MAX_CLIENT_REQUEST_ID_CHARS: usize = 64;

/// Largest request body accepted anywhere (bookings and forms are tiny).
const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// What every policy shares: nothing from other origins, no framing.
const POLICY_BASE: &str = "default-src 'self'; img-src 'self' data:; connect-src 'self'; \
    frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

/// Swagger UI loads only its own script files and sets inline styles.
const SWAGGER_UI_POLICY: &str = "script-src 'self'; style-src 'self' 'unsafe-inline'";

/// The nonce of this response's inline scripts (the hydration script and
/// streamed resources), handed to Leptos through the request.
#[derive(Debug, Clone)]
pub struct CspNonce(pub Arc<str>);

impl CspNonce {
    fn new() -> Self {
        let mut bytes = [0_u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes).into())
    }
}

/// Pages are gzipped for browsers that accept it (a room page's HTML is
/// about 96 KB, 6 KB gzipped); the static files come precompressed, and
/// API answers stay plain (small, and cheaper to serve under load). A
/// page's only secret-like value, its CSP nonce, changes with every
/// response, so compression reveals nothing that an attacker could
/// guess byte by byte (BREACH).
fn is_html(
    _: StatusCode,
    _: axum::http::Version,
    headers: &HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"))
}

/// The request id a client sent, kept beside ours in the logs only.
#[derive(Debug, Clone)]
struct ClientRequestId(String);

/// Wraps the router in the middleware stack (outermost last).
pub(super) fn apply(router: Router, request_timeout: Duration) -> Router {
    let security_headers = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    let mut router = router
        .layer(axum::middleware::from_fn(refuse_cross_site_writes))
        .layer(axum::middleware::from_fn(limit_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            request_timeout,
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn(api_errors_as_problems))
        .layer(axum::middleware::from_fn(
            server_fn_errors_with_their_status,
        ))
        .layer(axum::middleware::from_fn(content_security_policy))
        .layer(axum::middleware::from_fn(personal_answers_not_stored))
        .layer(CompressionLayer::new().compress_when(DefaultPredicate::new().and(is_html)));
    for (name, value) in security_headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    let client_id = request
                        .extensions()
                        .get::<ClientRequestId>()
                        .map(|id| id.0.as_str());
                    // The path only: query strings can carry personal data.
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id = %id,
                        client_request_id = client_id,
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(axum::middleware::from_fn(take_client_request_id))
}

/// Bodies are bounded: [`BODY_LIMIT_BYTES`] everywhere but photo uploads
/// ([`super::photos::UPLOAD_BODY_LIMIT_BYTES`]). A declared length over
/// the limit is refused before any byte is read (the admin page's plain
/// upload form is sent back to the form instead: a browser would show a
/// 413 as the page); a body that runs past it stops there (the reading
/// extractor answers 413).
async fn limit_body(request: Request<axum::body::Body>, next: axum::middleware::Next) -> Response {
    let limit = if super::photos::is_upload(request.method(), request.uri().path()) {
        super::photos::UPLOAD_BODY_LIMIT_BYTES
    } else {
        BODY_LIMIT_BYTES
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX)) {
        let form = super::photos::form_upload_room(
            request.method(),
            request.uri().path(),
            request.headers(),
        );
        return match form {
            Some(room_id) => {
                super::photos::too_large_for_the_form(room_id, request.into_body()).await
            }
            None => ApiError::PayloadTooLarge.into_response(),
        };
    }
    let request =
        request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

/// Request ids are ours: a client's `X-Request-Id` is moved aside (capped,
/// printable ASCII only) so the logs can show it beside the one we make.
async fn take_client_request_id(
    mut request: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    if let Some(sent) = request.headers_mut().remove(REQUEST_ID) {
        let kept: String = String::from_utf8_lossy(sent.as_bytes())
            .chars()
            .filter(char::is_ascii_graphic)
            .take(MAX_CLIENT_REQUEST_ID_CHARS)
            .collect();
        request.extensions_mut().insert(ClientRequestId(kept));
    }
    next.run(request).await
}

/// A content security policy per response: pages may run only our script
/// files and inline scripts carrying this response's nonce; Swagger UI gets
/// a policy of its own.
async fn content_security_policy(
    mut request: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    let policy = if request.uri().path().starts_with("/api-docs") {
        format!("{POLICY_BASE}; {SWAGGER_UI_POLICY}")
    } else {
        let nonce = CspNonce::new();
        let policy = format!(
            "{POLICY_BASE}; script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'; \
             style-src 'self' 'unsafe-inline'",
            nonce.0
        );
        request.extensions_mut().insert(nonce);
        policy
    };
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::try_from(policy) {
        response
            .headers_mut()
            .entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(value);
    }
    response
}

/// Answers to a signed-in caller (API and pages alike) are theirs alone:
/// no shared or browser cache may keep them. Static files and room photos
/// (the same for everyone) stay cacheable.
async fn personal_answers_not_stored(
    request: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    let headers = request.headers();
    let personal = [SESSION_COOKIE, SECURE_SESSION_COOKIE]
        .iter()
        .any(|name| token_from_headers(headers, name).is_some())
        && !["/pkg/", "/photos/"]
            .iter()
            .any(|public| request.uri().path().starts_with(public));
    let mut response = next.run(request).await;
    if personal {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// CSRF defence for cookie-authenticated writes (server functions and the
/// REST API alike): a browser says where a request comes from, in
/// `Sec-Fetch-Site` (modern browsers) or `Origin`; a write whose origin is
/// another site is refused. Clients that are not browsers send neither and
/// authenticate with bearer tokens, which a foreign page cannot attach.
/// Session cookies are also `SameSite=Lax`: this is the second lock.
async fn refuse_cross_site_writes(
    request: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if safe || is_same_site(request.headers()) {
        next.run(request).await
    } else {
        ApiError::CrossSite.into_response()
    }
}

fn is_same_site(headers: &HeaderMap) -> bool {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(site) = header(HeaderName::from_static("sec-fetch-site")) {
        // `none` is the user typing or bookmarking: not a forged request.
        return matches!(site, "same-origin" | "none");
    }
    match (header(header::ORIGIN), header(header::HOST)) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority == host),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// A panic is a bug: log it and answer an opaque 500 problem.
#[expect(
    clippy::needless_pass_by_value,
    reason = "the signature CatchPanicLayer::custom expects"
)]
pub(super) fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = message, "request handler panicked");
    problem_response(&Problem::for_status(StatusCode::INTERNAL_SERVER_ERROR))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn same_origin_browsers_and_non_browsers_may_write() {
        assert!(is_same_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(is_same_site(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(is_same_site(&headers(&[])), "curl sends neither header");
    }

    #[test]
    fn other_sites_may_not() {
        assert!(!is_same_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!is_same_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!is_same_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!is_same_site(&headers(&[
            ("origin", "null"),
            ("host", "a")
        ])));
    }
}
