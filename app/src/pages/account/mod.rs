//! The signed-in user's account page: change the password, sign out
//! everywhere, and manage personal API tokens ([`tokens`]).
//!
//! The page is server-rendered and works without WASM: every form is a
//! plain post to its server function, answered by a redirect to this page
//! with the outcome (home, after signing out everywhere). The forms that
//! take input are islands (ADR 0018) that validate with the shared-schema
//! types as the user types and only post what is valid; the server checks
//! the same types again through the [`crate::backend::Backend`] port, the
//! same use cases as the REST API.

pub(crate) mod tokens;

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use shared_schema::{account::ChangePassword, dto::Role, validated};

use crate::{
    AppError,
    components::{Checks, ErrorAlert, Input},
    form_post::{post_path, posted_error},
    island::{Island, island},
    pages::bookings::SignInPrompt,
    session::UserContext,
};

/// Changes the password; every other session and API token is signed out.
#[server(endpoint = "change_password")]
pub async fn update_password(input: ChangePassword) -> Result<(), AppError> {
    let post = crate::form_post::FormPost::current();
    let result = crate::backend::serve(|backend, caller| async move {
        backend.change_password(&caller, input).await
    })
    .await;
    post.answer(result, |()| Some("/account?password=changed".to_owned()))
}

/// Signs out every session (this browser's too) and every API token.
#[server(endpoint = "logout_everywhere")]
pub async fn logout_everywhere() -> Result<(), AppError> {
    let post = crate::form_post::FormPost::current();
    let result = crate::backend::serve(|backend, caller| async move {
        let clear = backend.logout_everywhere(&caller).await?;
        crate::backend::set_cookie(&clear);
        Ok(())
    })
    .await;
    post.answer(result, |()| Some("/".to_owned()))
}

#[component]
pub(crate) fn AccountPage() -> impl IntoView {
    let user = UserContext::get();
    let changed = use_query_map().with_untracked(|q| q.get("password").is_some());
    let posted = posted_error(post_path::<UpdatePassword>());
    view! {
        <Title text="Account" />
        <div class="page narrow">
            <h1>"Account"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading your account…"</p> }>
                {move || {
                    let posted = posted.clone();
                    Suspend::new(async move {
                        match user.0.await {
                            Ok(Some(user)) => {
                                let admin = user.role == Role::Admin;
                                view! {
                                    <p class="muted">{format!("Signed in as {}.", user.email)}</p>
                                    {island(PasswordIsland { changed, posted })}
                                    <SignOutEverywhere />
                                    <tokens::ApiTokens admin />
                                }
                                    .into_any()
                            }
                            Ok(None) => view! { <SignInPrompt what="your account" /> }.into_any(),
                            Err(error) => view! { <ErrorAlert error /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </div>
    }
}

/// The password form: validated as it is typed, posted when valid.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PasswordIsland {
    /// The last post changed the password.
    changed: bool,
    /// The error of the last post.
    posted: Option<AppError>,
}

impl Island for PasswordIsland {
    const NAME: &'static str = "password";

    fn render(self) -> AnyView {
        let current = RwSignal::new(String::new());
        let new = RwSignal::new(String::new());
        let checks = Checks::new(move || {
            let input = ChangePassword {
                current_password: current.get(),
                new_password: new.get(),
            };
            validated(input, &()).err().unwrap_or_default()
        });
        let posted = self.posted.and_then(|error| checks.show_posted(error));
        let on_submit = move |event: SubmitEvent| checks.refuse_invalid(&event);
        let path = post_path::<UpdatePassword>();
        view! {
            <section class="stack" aria-labelledby="password-heading">
                <h2 id="password-heading">"Change password"</h2>
                {self.changed.then(|| view! {
                    <p role="status" class="alert success">
                        "Password changed. Your other sessions and API tokens are signed out."
                    </p>
                })}
                {posted}
                <form class="stack" method="post" action=path novalidate on:submit=on_submit>
                    <Input id="current_password" name="input[current_password]" label="Current password" value=current checks
                        kind="password" autocomplete="current-password" />
                    <Input id="new_password" name="input[new_password]" label="New password" value=new checks kind="password"
                        autocomplete="new-password" hint="At least 12 characters." />
                    <div class="form-actions">
                        <button type="submit" class="button primary">"Change password"</button>
                    </div>
                </form>
            </section>
        }
        .into_any()
    }
}

/// A plain post: nothing to check, nothing to hydrate.
#[component]
fn SignOutEverywhere() -> impl IntoView {
    let path = post_path::<LogoutEverywhere>();
    view! {
        <section class="stack" aria-labelledby="everywhere-heading">
            <h2 id="everywhere-heading">"Sign out everywhere"</h2>
            <p class="muted">
                "Ends every session of this account, on this device and all others, and revokes every API token."
            </p>
            <form method="post" action=path>
                <div class="form-actions">
                    <button type="submit" class="button">"Sign out everywhere"</button>
                </div>
            </form>
        </section>
    }
}
