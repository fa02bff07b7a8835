//! Forms that work before the WASM arrives (or without JavaScript): every
//! such `<form>` posts URL-encoded to its server function, and the server
//! function answers the browser with a redirect (Post/Redirect/Get) to a
//! server-rendered page: the outcome on success, the form again on failure.
//!
//! On failure `server_fn` (feature `form-redirects`) already points the
//! redirect at the form's page (the `Referer`) with the error encoded in
//! its query (`__path`, `__err`); [`posted_error`] reads it back there.
//! Hydrated forms call the same server functions with `fetch` and are
//! answered with data, as before.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::AppError;

/// The path a form posts to without WASM: the server function `F`'s.
pub(crate) const fn post_path<F: server_fn::ServerFn>() -> &'static str {
    F::PATH
}

/// The error of the last plain form post to the server function `path`,
/// as `server_fn` put it in this page's address.
pub(crate) fn posted_error(path: &'static str) -> Option<AppError> {
    use leptos::server_fn::error::ServerFnUrlError;
    use_query_map().with_untracked(|query| {
        let err = query.get("__err")?;
        (query.get("__path")?.as_str() == path)
            .then(|| ServerFnUrlError::<AppError>::decode_err(&err))
    })
}

/// The error of the last plain form post to any server function, as
/// `server_fn` put it in this page's address: for pages of several forms.
#[cfg(feature = "admin")] // only admin pages need it (ADR 0013)
pub(crate) fn any_posted_error() -> Option<AppError> {
    use leptos::server_fn::error::ServerFnUrlError;
    use_query_map().with_untracked(|query| {
        query
            .get("__err")
            .map(|err| ServerFnUrlError::<AppError>::decode_err(&err))
    })
}

/// A plain form post's failure in words: the field messages themselves
/// (a page of several forms cannot mark the fields of the one posted).
#[cfg(feature = "admin")] // only admin pages need it (ADR 0013)
#[component]
pub(crate) fn PostedError(error: AppError) -> impl IntoView {
    let messages = error.field_errors().map(|errors| {
        errors
            .0
            .iter()
            .map(|error| view! { <li>{error.message.clone()}</li> })
            .collect_view()
    });
    match messages {
        Some(messages) => view! {
            <div class="alert error" role="alert">
                <p>"Nothing was saved. Please correct:"</p>
                <ul>{messages}</ul>
            </div>
        }
        .into_any(),
        None => view! { <crate::components::ErrorAlert error /> }.into_any(),
    }
}

/// The page of this site that the current request came from (its path
/// and query, from the `Referer`), if the browser said. Read while the
/// request's context is current (before any await).
#[cfg(feature = "ssr")]
pub(crate) fn referer() -> Option<String> {
    use_context::<http::request::Parts>().and_then(|parts| {
        let referer = parts.headers.get(http::header::REFERER)?.to_str().ok()?;
        let uri = http::Uri::try_from(referer).ok()?;
        let path = uri.path_and_query()?.as_str().to_owned();
        // Browsers read `//host` and `/\host` as other origins.
        (!path.starts_with("//") && !path.starts_with("/\\")).then_some(path)
    })
}

/// How the current server function was called.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct FormPost {
    /// Posted by an HTML form (the browser asks for a page), not by the
    /// hydrated app (which asks for data).
    plain: bool,
}

#[cfg(feature = "ssr")]
impl FormPost {
    /// Read while the request's context is current (before any await).
    pub(crate) fn current() -> Self {
        let plain = use_context::<http::request::Parts>().is_some_and(|parts| {
            parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
        });
        Self { plain }
    }

    /// Whether the form was posted by the browser itself (no WASM).
    pub(crate) fn is_plain(self) -> bool {
        self.plain
    }

    /// Answers a plain form post with a redirect: to `success(value)` on
    /// success (the referer when `None`), back to the form on failure
    /// (where the error status would stop the browser from following).
    pub(crate) fn answer<T>(
        self,
        result: Result<T, AppError>,
        success: impl FnOnce(&T) -> Option<String>,
    ) -> Result<T, AppError> {
        if self.plain {
            match &result {
                Ok(value) => {
                    if let Some(path) = success(value) {
                        leptos_axum::redirect(&path);
                    }
                }
                Err(_) => {
                    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                        response.set_status(http::StatusCode::FOUND);
                    }
                }
            }
        }
        result
    }

    /// As [`Self::answer`], but a failure goes back to `form` (a path and
    /// query: the form's page with what was typed, which the referer does
    /// not hold), with the error of the server function `fn_path` where
    /// [`posted_error`] reads it.
    pub(crate) fn answer_or_back_to<T>(
        self,
        result: Result<T, AppError>,
        success: impl FnOnce(&T) -> Option<String>,
        fn_path: &'static str,
        form: impl FnOnce() -> String,
    ) -> Result<T, AppError> {
        use leptos::server_fn::error::ServerFnUrlError;
        if let (true, Err(error)) = (self.plain, &result) {
            // Any origin will do: only the path and query are kept.
            let url = ServerFnUrlError::new(fn_path, error.clone())
                .to_url(&format!("http://localhost{}", form()));
            if let Ok(url) = url {
                let location = crate::query::with_query(url.path(), url.query().unwrap_or(""));
                // Replaces the referer that `server_fn` points the browser at.
                leptos_axum::redirect(&location);
                if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                    response.set_status(http::StatusCode::FOUND);
                }
                return result;
            }
        }
        self.answer(result, success)
    }
}
