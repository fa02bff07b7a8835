//! Pages render on single-threaded workers.
//!
//! On the server, Leptos resolves each `<Suspense>` with an effect that runs
//! as a task of its own beside the render. On tokio's multi-threaded
//! scheduler the two can run at the same moment on two threads; the effect
//! then re-runs parts of the page the render is using, or has already
//! disposed of, and panics ("you tried to access a reactive value ... but
//! it has already been disposed"). Measured here: 2 of 8 rounds of 48
//! concurrent home pages plus 3 s of load at a starting instance, and now
//! and then a 500 through nginx (upstream: leptos#4698, #4851).
//!
//! So each page renders on one of a few threads, each with a
//! single-threaded runtime: whatever a render spawns runs on its thread,
//! between the render's own steps, never beside them. The body is collected
//! there too, so that the clean-up at the end of Leptos' stream also runs
//! on that thread. Pages are rendered whole before the first byte anyway
//! (`SsrMode::Async`), so nothing is lost by collecting them.

use std::num::NonZeroUsize;

use axum::{
    body::Body,
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::Response,
};
use tokio_util::task::LocalPoolHandle;

use super::problem::{Problem, problem_response};

/// The largest page a render may produce; a page is tens of KiB.
const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// The render threads: one per core. Renders wait in the pool's queue,
/// which the server's connection limit and request timeout bound.
#[derive(Clone)]
pub struct RenderPool(LocalPoolHandle);

impl RenderPool {
    pub fn new() -> Self {
        let threads = std::thread::available_parallelism().map_or(2, NonZeroUsize::get);
        Self(LocalPoolHandle::new(threads))
    }
}

/// Middleware for the page routes: the rest of the stack (the Leptos
/// handler) runs on a render thread, and its whole body is read there.
pub async fn on_render_thread(
    State(pool): State<RenderPool>,
    request: Request,
    next: Next,
) -> Response {
    let rendered = pool
        .0
        .spawn_pinned(move || async move {
            let (parts, body) = next.run(request).await.into_parts();
            let body = axum::body::to_bytes(body, MAX_PAGE_BYTES).await;
            body.map(|bytes| Response::from_parts(parts, Body::from(bytes)))
        })
        .await;
    match rendered {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => {
            tracing::error!(%error, "a page's body could not be read");
            problem_response(&Problem::for_status(StatusCode::INTERNAL_SERVER_ERROR))
        }
        // The same answer as a panic anywhere else (`CatchPanicLayer`).
        Err(error) if error.is_panic() => super::middleware::panic_response(error.into_panic()),
        // The pool is going away with the server.
        Err(_) => problem_response(&Problem::for_status(StatusCode::SERVICE_UNAVAILABLE)),
    }
}
