//! The signed-in user's account page: change the password, sign out
//! everywhere, and manage personal API tokens ([`tokens`]).
//!
//! Every form validates with the shared-schema types as the user types; the
//! server checks the same types again through the [`crate::backend::Backend`]
//! port, the same use cases as the REST API. Before the WASM arrives (or
//! without JavaScript) changing the password, signing out everywhere and
//! revoking a token are plain posts, answered by a redirect to this page
//! with the outcome (home, after signing out everywhere).

mod tokens;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};
use shared_schema::{account::ChangePassword, dto::Role, validated};

use crate::{
    AppError,
    components::{Checks, ErrorAlert, FormFooter, Input},
    form_post::{post_path, posted_error},
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
    view! {
        <Title text="Account" />
        <div class="page narrow">
            <h1>"Account"</h1>
            <Transition fallback=|| view! { <p class="loading">"Loading your account…"</p> }>
                {move || Suspend::new(async move {
                    match user.0.await {
                        Ok(Some(user)) => {
                            let admin = user.role == Role::Admin;
                            view! {
                                <p class="muted">{format!("Signed in as {}.", user.email)}</p>
                                <PasswordForm />
                                <SignOutEverywhere />
                                <tokens::ApiTokens admin />
                            }
                                .into_any()
                        }
                        Ok(None) => view! { <SignInPrompt what="your account" /> }.into_any(),
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let input = move || ChangePassword {
        current_password: current.get(),
        new_password: new.get(),
    };
    let checks = Checks::new(move || validated(input(), &()).err().unwrap_or_default());
    let action = Action::new(move |(): &()| update_password(input()));
    let on_submit = checks.submit(action);
    let path = post_path::<UpdatePassword>();
    let posted = posted_error(path).and_then(|error| checks.show_posted(error));
    let changed_before = use_query_map().with_untracked(|q| q.get("password").is_some());
    let done = move || changed_before || matches!(action.value().get(), Some(Ok(())));

    view! {
        <section class="stack" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change password"</h2>
            <p role="status" class=move || if done() { "alert success" } else { "" }>
                {move || done().then_some("Password changed. Your other sessions and API tokens are signed out.")}
            </p>
            {posted}
            <form class="stack" method="post" action=path novalidate on:submit=on_submit>
                <Input id="current_password" name="input[current_password]" label="Current password" value=current checks
                    kind="password" autocomplete="current-password" />
                <Input id="new_password" name="input[new_password]" label="New password" value=new checks kind="password"
                    autocomplete="new-password" hint="At least 12 characters." />
                <FormFooter action label="Change password" />
            </form>
        </section>
    }
}

#[component]
fn SignOutEverywhere() -> impl IntoView {
    let user = UserContext::get();
    let navigate = use_navigate();
    let action = Action::new(move |(): &()| logout_everywhere());
    Effect::new(move || {
        if let Some(Ok(())) = action.value().get() {
            user.refresh();
            navigate("/", NavigateOptions::default());
        }
    });
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        action.dispatch(());
    };
    let path = post_path::<LogoutEverywhere>();
    view! {
        <section class="stack" aria-labelledby="everywhere-heading">
            <h2 id="everywhere-heading">"Sign out everywhere"</h2>
            <p class="muted">
                "Ends every session of this account, on this device and all others, and revokes every API token."
            </p>
            <form method="post" action=path on:submit=on_submit>
                <FormFooter action label="Sign out everywhere" class="button" />
            </form>
        </section>
    }
}
