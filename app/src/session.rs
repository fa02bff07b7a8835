//! Who is signed in: the server functions for accounts, the user everyone
//! reads from context, and the site header that shows it.
//!
//! The session itself is an HttpOnly cookie the server sets and clears; the
//! UI only ever sees the account it belongs to.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_location, use_navigate},
};
use shared_schema::{
    auth::{Login, Register},
    dto::{Role, User},
};

use crate::{
    AppError,
    form_post::post_path,
    query::{query_string, with_query},
};

/// The signed-in account, if any.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<User>, AppError> {
    crate::backend::serve(|backend, caller| async move { backend.current_user(&caller).await })
        .await
}

/// Paths of the server functions that take a password: the server puts
/// them under the sign-in rate limit, like their REST twins.
pub const CREDENTIAL_PATHS: [&str; 2] = [post_path::<SignIn>(), post_path::<SignUp>()];

/// Signs in; the answer carries the session cookie. Posted by the plain
/// form (before the WASM arrives), it redirects to `next`, or back to the
/// form with the error.
#[server(endpoint = "login")]
pub async fn sign_in(
    input: Login,
    #[server(default)] next: Option<String>,
) -> Result<User, AppError> {
    let post = crate::form_post::FormPost::current();
    let typed = query_string([("email", input.email.as_str())]);
    let result = crate::backend::serve(|backend, _| async move {
        let signed_in = backend.login(input).await;
        keep_flash(
            post,
            backend.as_ref(),
            signed_in.is_err().then_some(typed.as_str()),
        );
        let signed_in = signed_in?;
        crate::backend::set_cookie(&signed_in.set_cookie);
        Ok(signed_in.user)
    })
    .await;
    post.answer(result, |_| Some(return_path(next)))
}

/// After a plain form post: `flash` (URL-encoded fields) goes to the page
/// the browser is redirected to in the flash cookie, not in the address;
/// `None` removes an earlier one. A sign-in or sign-up that failed leaves
/// what was typed (never the password), a new API token its secret.
#[cfg(feature = "ssr")]
pub(crate) fn keep_flash(
    post: crate::form_post::FormPost,
    backend: &dyn crate::backend::Backend,
    flash: Option<&str>,
) {
    if post.is_plain() {
        crate::backend::set_cookie(&backend.flash_cookie(flash));
    }
}

/// What the last plain post left for this page (see [`keep_flash`]),
/// URL-encoded; read once.
#[server(endpoint = "flash")]
pub async fn flash() -> Result<Option<String>, AppError> {
    crate::backend::serve(|backend, caller| async move {
        let flash = backend.flash(&caller);
        if flash.is_some() {
            crate::backend::set_cookie(&backend.flash_cookie(None));
        }
        Ok(flash)
    })
    .await
}

/// The flash (see [`flash`]) when the page's address says a plain post
/// left one (`wanted`), read on the server while rendering; else none.
pub(crate) fn flash_when(wanted: bool) -> Resource<Option<String>> {
    Resource::new(
        || (),
        move |()| async move {
            if wanted {
                flash().await.ok().flatten()
            } else {
                None
            }
        },
    )
}

/// The field `name` of a flash (see [`flash`]), empty when absent.
pub(crate) fn flash_field(flash: &str, name: &str) -> String {
    form_urlencoded::parse(flash.as_bytes())
        .find(|(field, _)| field == name)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// Creates a guest account and signs it in; a plain form post is
/// redirected like [`sign_in`]'s.
#[server(endpoint = "register")]
pub async fn sign_up(
    input: Register,
    #[server(default)] next: Option<String>,
) -> Result<User, AppError> {
    let post = crate::form_post::FormPost::current();
    let typed = query_string([
        ("name", input.name.as_str()),
        ("email", input.email.as_str()),
    ]);
    let result = crate::backend::serve(|backend, _| async move {
        let signed_in = backend.register(input).await;
        keep_flash(
            post,
            backend.as_ref(),
            signed_in.is_err().then_some(typed.as_str()),
        );
        let signed_in = signed_in?;
        crate::backend::set_cookie(&signed_in.set_cookie);
        Ok(signed_in.user)
    })
    .await;
    post.answer(result, |_| Some(return_path(next)))
}

/// Ends this browser's session; a plain form post lands on the home page.
#[server(endpoint = "logout")]
pub async fn sign_out() -> Result<(), AppError> {
    let post = crate::form_post::FormPost::current();
    let result = crate::backend::serve(|backend, caller| async move {
        let clear = backend.logout(&caller).await?;
        crate::backend::set_cookie(&clear);
        Ok(())
    })
    .await;
    post.answer(result, |()| Some("/".to_owned()))
}

fn sign_out_path() -> &'static str {
    post_path::<SignOut>()
}

/// The signed-in account as every page sees it. Loaded once per page view
/// on the server and refreshed after signing in or out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UserContext(pub Resource<Result<Option<User>, AppError>>);

impl UserContext {
    pub(crate) fn provide() -> Self {
        let user = Self(Resource::new(|| (), |()| current_user()));
        provide_context(user);
        user
    }

    pub(crate) fn get() -> Self {
        expect_context()
    }

    /// Reloads the account after a sign-in or sign-out.
    pub(crate) fn refresh(self) {
        self.0.refetch();
    }
}

/// Where to go after signing in: the page that sent the user here, else
/// home. Only a plain path on this site: browsers read `//host`, `/\host`
/// and paths with tabs or newlines as other origins.
#[cfg(feature = "ssr")]
pub(crate) fn return_path(next: Option<String>) -> String {
    next.filter(|path| {
        let local = path.starts_with('/') && !path[1..].starts_with(['/', '\\']);
        local
            && !path
                .chars()
                .any(|c| c == '\\' || c.is_control() || c == '%')
    })
    .unwrap_or_else(|| "/".to_owned())
}

/// A link to the sign-in (`/login`) or sign-up (`/register`) page that
/// brings the user back to the current page, query included, afterwards.
/// Reactive: a page that keeps its state in the URL (the room page's
/// stay) is returned to as it is when the link is followed.
pub(crate) fn auth_href(page: &'static str) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    let location = use_location();
    move || {
        // The router's `search` comes without its `?`.
        let here = with_query(&location.pathname.get(), &location.search.get());
        next_href(page, &here)
    }
}

/// `page?next=<path>`: the auth page `page` that returns to `path`.
pub(crate) fn next_href(page: &str, path: &str) -> String {
    with_query(page, &query_string([("next", path)]))
}

/// The site header: brand, navigation, and who is signed in.
#[component]
pub(crate) fn SiteHeader() -> impl IntoView {
    let user = UserContext::get();
    let navigate = use_navigate();
    let sign_out = Action::new(move |(): &()| sign_out());
    Effect::new(move || {
        if let Some(Ok(())) = sign_out.value().get() {
            user.refresh();
            navigate("/", NavigateOptions::default());
        }
    });

    let signed_in = move |user: User| {
        let admin = (user.role == Role::Admin).then(|| {
            view! {
                // A full page load: the admin pages hydrate with their own bundle.
                <A href="/admin" attr:rel="external">"Admin"</A>
            }
        });
        view! {
            <A href="/bookings">"My bookings"</A>
            {admin}
            <A href="/account" attr:class="user-name">{user.name}</A>
            // A form, so signing out works before the WASM arrives too.
            <form class="inline-form" method="post" action=sign_out_path()
                on:submit=move |ev| { ev.prevent_default(); sign_out.dispatch(()); }>
                <button type="submit" class="link-button" disabled=move || sign_out.pending().get()>
                    "Sign out"
                </button>
            </form>
        }
    };
    view! {
        <header class="site-header">
            <A href="/" attr:class="brand">"Roombook"</A>
            <nav class="site-nav" aria-label="Account">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.0.await {
                            Ok(Some(user)) => signed_in(user).into_any(),
                            _ => view! {
                                <A href="/login">"Sign in"</A>
                                <A href="/register">"Create account"</A>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::return_path;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        for foreign in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/%2F%2Fevil.example",
            "https://evil.example",
            "evil.example",
        ] {
            assert_eq!(return_path(Some(foreign.to_owned())), "/", "{foreign:?}");
        }
        let local = "/rooms/42?check_in=2027-01-01&check_out=2027-01-03";
        assert_eq!(return_path(Some(local.to_owned())), local);
        assert_eq!(return_path(None), "/");
    }

    #[test]
    fn the_way_back_keeps_the_query_of_the_page() {
        let here = "/rooms/42?check_in=2027-01-01&check_out=2027-01-03";
        let href = super::next_href("/login", here);
        assert_eq!(
            href,
            "/login?next=%2Frooms%2F42%3Fcheck_in%3D2027-01-01%26check_out%3D2027-01-03"
        );
        let next = form_urlencoded::parse(href.split_once('?').map_or("", |(_, q)| q).as_bytes())
            .find(|(key, _)| key == "next")
            .map(|(_, value)| value.into_owned());
        assert_eq!(return_path(next), here);
    }
}
