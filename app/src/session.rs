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

use crate::AppError;

/// The signed-in account, if any.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<User>, AppError> {
    crate::backend::serve(|backend, caller| async move { backend.current_user(&caller).await })
        .await
}

/// Paths of the server functions that take a password: the server puts
/// them under the sign-in rate limit, like their REST twins.
#[expect(
    unused_qualifications,
    reason = "the `#[server]` macro imports the trait; a `use` would clash"
)]
pub const CREDENTIAL_PATHS: [&str; 2] = [
    <SignIn as leptos::server_fn::ServerFn>::PATH,
    <SignUp as leptos::server_fn::ServerFn>::PATH,
];

/// Signs in; the answer carries the session cookie.
#[server(endpoint = "login")]
pub async fn sign_in(input: Login) -> Result<User, AppError> {
    crate::backend::serve(|backend, _| async move {
        let signed_in = backend.login(input).await?;
        crate::backend::set_cookie(&signed_in.set_cookie);
        Ok(signed_in.user)
    })
    .await
}

/// Creates a guest account and signs it in.
#[server(endpoint = "register")]
pub async fn sign_up(input: Register) -> Result<User, AppError> {
    crate::backend::serve(|backend, _| async move {
        let signed_in = backend.register(input).await?;
        crate::backend::set_cookie(&signed_in.set_cookie);
        Ok(signed_in.user)
    })
    .await
}

/// Ends this browser's session.
#[server(endpoint = "logout")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::backend::serve(|backend, caller| async move {
        let clear = backend.logout(&caller).await?;
        crate::backend::set_cookie(&clear);
        Ok(())
    })
    .await
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
/// brings the user back to the current page afterwards.
pub(crate) fn auth_href(page: &str) -> String {
    let location = use_location();
    let here = format!(
        "{}{}",
        location.pathname.get_untracked(),
        location.search.get_untracked()
    );
    format!("{page}?next={}", encode_component(&here))
}

/// Percent-encodes everything but unreserved characters.
pub(crate) fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
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
        let admin = (user.role == Role::Admin).then(|| view! { <A href="/admin">"Admin"</A> });
        view! {
            <A href="/bookings">"My bookings"</A>
            {admin}
            <A href="/account" attr:class="user-name">{user.name}</A>
            <button type="button" class="link-button"
                disabled=move || sign_out.pending().get()
                on:click=move |_| { sign_out.dispatch(()); }>
                "Sign out"
            </button>
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

#[cfg(test)]
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
}
