//! Sign in and create an account.
//!
//! Both forms validate with the shared `Login` / `Register` rules as the
//! user types; the server checks the same types again. After success the
//! header refreshes and the user returns to the page that sent them here.
//!
//! Before the WASM arrives (or without JavaScript) the same forms post to
//! their server functions (never a GET: the password stays out of the
//! address), which redirect to the page in `next`, or back here with the
//! error, shown from the address.

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
    components::{Checks, ErrorAlert, FormFooter, Input},
    form_post::posted_error,
    session::{
        SignIn, SignUp, UserContext, next_href, return_path, sign_in, sign_up, typed_values,
    },
};

/// The `next` of this page's address (where to go after signing in).
fn next_param() -> Option<String> {
    use_query_map().with_untracked(|q| q.get("next"))
}

/// The error of a plain post of this page's form, shown as the hydrated
/// form would show the server's answer.
fn show_posted_error(path: &'static str, checks: Checks) -> Option<impl IntoView + use<>> {
    let error = posted_error(path)?;
    checks.show_server(&error);
    error
        .field_errors()
        .is_none()
        .then(|| view! { <ErrorAlert error /> })
}

/// What a failed plain post of the form `path` typed (never the
/// password), which the server kept in a cookie for the form page; only
/// asked for when the address says that post failed.
fn typed_after_failure(path: &'static str) -> Resource<Option<String>> {
    let failed = posted_error(path).is_some();
    Resource::new(
        || (),
        move |()| async move {
            if failed {
                typed_values().await.ok().flatten()
            } else {
                None
            }
        },
    )
}

/// Fills the form's `fields` (posted name, value) with what was typed.
fn refill(typed: Option<String>, fields: &[(&str, RwSignal<String>)]) {
    let Some(typed) = typed else { return };
    for (name, value) in form_urlencoded::parse(typed.as_bytes()) {
        if let Some((_, field)) = fields.iter().find(|(field, _)| *field == name) {
            field.set(value.into_owned());
        }
    }
}

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
    let next = next_param();
    let action = {
        let next = next.clone();
        Action::new(move |(): &()| sign_in(input().normalized(), next.clone()))
    };
    on_signed_in(action);
    let on_submit = checks.submit(action);
    let register_href = keeping_next("/register");
    #[expect(
        unused_qualifications,
        reason = "the `#[server]` macro imports the trait"
    )]
    let path = <SignIn as leptos::server_fn::ServerFn>::PATH;
    let posted = show_posted_error(path, checks);
    let typed = typed_after_failure(path);

    view! {
        <Title text="Sign in" />
        <div class="page narrow">
            <h1>"Sign in"</h1>
            {posted}
            <Suspense fallback=|| ()>
                {move || {
                    let next = next.clone().unwrap_or_default();
                    Suspend::new(async move {
                        refill(typed.await, &[("email", email)]);
                        view! {
                            <form class="stack" method="post" action=path novalidate on:submit=on_submit>
                                <input type="hidden" name="next" value=next />
                                <Input id="email" name="input[email]" label="Email" value=email checks kind="email" autocomplete="email" />
                                <Input id="password" name="input[password]" label="Password" value=password checks kind="password"
                                    autocomplete="current-password" />
                                <FormFooter action label="Sign in" />
                            </form>
                        }
                    })
                }}
            </Suspense>
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
    let next = next_param();
    let action = {
        let next = next.clone();
        Action::new(move |(): &()| sign_up(input().normalized(), next.clone()))
    };
    on_signed_in(action);
    let on_submit = checks.submit(action);
    #[expect(
        unused_qualifications,
        reason = "the `#[server]` macro imports the trait"
    )]
    let path = <SignUp as leptos::server_fn::ServerFn>::PATH;
    let posted = show_posted_error(path, checks);
    let typed = typed_after_failure(path);

    let login_href = keeping_next("/login");
    view! {
        <Title text="Create account" />
        <div class="page narrow">
            <h1>"Create an account"</h1>
            {posted}
            <Suspense fallback=|| ()>
                {move || {
                    let next = next.clone().unwrap_or_default();
                    Suspend::new(async move {
                        refill(typed.await, &[("name", name), ("email", email)]);
                        view! {
                            <form class="stack" method="post" action=path novalidate on:submit=on_submit>
                                <input type="hidden" name="next" value=next />
                                <Input id="name" name="input[name]" label="Name" value=name checks autocomplete="name" />
                                <Input id="email" name="input[email]" label="Email" value=email checks kind="email" autocomplete="email" />
                                <Input id="password" name="input[password]" label="Password" value=password checks kind="password"
                                    autocomplete="new-password" hint="At least 12 characters." />
                                <FormFooter action label="Create account" />
                            </form>
                        }
                    })
                }}
            </Suspense>
            <p class="muted">"Already have an account? " <A href=login_href>"Sign in"</A></p>
        </div>
    }
}
