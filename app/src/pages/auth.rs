//! Sign in and create an account.
//!
//! Both forms validate with the shared `Login` / `Register` rules as the
//! user types; the server checks the same types again. After success the
//! header refreshes and the user returns to the page that sent them here.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
};
use shared_schema::{
    auth::{Login, Register},
    dto::User,
    validated,
};

use crate::{
    AppError,
    components::{Checks, FormFooter, Input},
    session::{UserContext, next_href, return_path, sign_in, sign_up},
};

/// After a successful sign-in: refresh the header and go back.
fn on_signed_in(action: Action<(), Result<User, AppError>>) {
    let user = UserContext::get();
    let navigate = use_navigate();
    let query = use_query_map();
    Effect::new(move || {
        if let Some(Ok(_)) = action.value().get() {
            user.refresh();
            navigate(
                &return_path(query.with_untracked(|q| q.get("next"))),
                NavigateOptions::default(),
            );
        }
    });
}

/// A link to the other auth page that keeps this page's `next`.
fn keeping_next(page: &str) -> String {
    use_query_map()
        .with_untracked(|q| q.get("next"))
        .map_or_else(|| page.to_owned(), |next| next_href(page, &next))
}

#[component]
pub(crate) fn LoginPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let input = move || Login {
        email: email.get(),
        password: password.get(),
    };
    let checks = Checks::new(move || {
        validated(input().normalized(), &())
            .err()
            .unwrap_or_default()
    });
    let action = Action::new(move |(): &()| sign_in(input().normalized()));
    on_signed_in(action);
    let on_submit = checks.submit(action);
    let register_href = keeping_next("/register");

    view! {
        <Title text="Sign in" />
        <div class="page narrow">
            <h1>"Sign in"</h1>
            <form class="stack" novalidate on:submit=on_submit>
                <Input id="email" label="Email" value=email checks kind="email" autocomplete="email" />
                <Input id="password" label="Password" value=password checks kind="password"
                    autocomplete="current-password" />
                <FormFooter action label="Sign in" />
            </form>
            <p class="muted">"New here? " <A href=register_href>"Create an account"</A></p>
        </div>
    }
}

#[component]
pub(crate) fn RegisterPage() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let input = move || Register {
        email: email.get(),
        name: name.get(),
        password: password.get(),
    };
    let checks = Checks::new(move || {
        validated(input().normalized(), &())
            .err()
            .unwrap_or_default()
    });
    let action = Action::new(move |(): &()| sign_up(input().normalized()));
    on_signed_in(action);
    let on_submit = checks.submit(action);

    let login_href = keeping_next("/login");
    view! {
        <Title text="Create account" />
        <div class="page narrow">
            <h1>"Create an account"</h1>
            <form class="stack" novalidate on:submit=on_submit>
                <Input id="name" label="Name" value=name checks autocomplete="name" />
                <Input id="email" label="Email" value=email checks kind="email" autocomplete="email" />
                <Input id="password" label="Password" value=password checks kind="password"
                    autocomplete="new-password" hint="At least 12 characters." />
                <FormFooter action label="Create account" />
            </form>
            <p class="muted">"Already have an account? " <A href=login_href>"Sign in"</A></p>
        </div>
    }
}
