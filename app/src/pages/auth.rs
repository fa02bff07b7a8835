//! Sign in and create an account.
//!
//! Each form is an island ([`AuthIsland`], ADR 0018): it validates with
//! the shared `Login` / `Register` rules as the user types, and a valid
//! form is the plain post that works before the WASM arrives (or without
//! JavaScript). It goes to the server function (never a GET: the password
//! stays out of the address), which checks the same types again and
//! redirects to the page in `next`, or back here with the error in the
//! address and what was typed (never the password) in a short-lived cookie.

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};
use serde::{Deserialize, Serialize};
use shared_schema::{
    auth::{Login, Register},
    errors::FieldErrors,
    validated,
};

use crate::{
    AppError,
    components::{Checks, Input},
    form_post::{post_path, posted_error},
    island::{Island, island},
    session::{SignIn, SignUp, flash_field, flash_when, next_href},
};

/// The two forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum AuthForm {
    SignIn,
    SignUp,
}

impl AuthForm {
    /// The server function the form posts to.
    fn path(self) -> &'static str {
        match self {
            Self::SignIn => post_path::<SignIn>(),
            Self::SignUp => post_path::<SignUp>(),
        }
    }

    /// The shared rules' verdict on what is typed.
    fn check(self, name: String, email: String, password: String) -> FieldErrors {
        let verdict = match self {
            Self::SignIn => validated(Login { email, password }.normalized(), &()).map(drop),
            Self::SignUp => validated(
                Register {
                    email,
                    name,
                    password,
                }
                .normalized(),
                &(),
            )
            .map(drop),
        };
        verdict.err().unwrap_or_default()
    }
}

/// A sign-in or sign-up form with what its last failed post typed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AuthIsland {
    form: AuthForm,
    /// Where to go afterwards (the form posts it on).
    next: String,
    name: String,
    email: String,
    /// The error of the last plain post of this form.
    posted: Option<AppError>,
}

impl Island for AuthIsland {
    const NAME: &'static str = "auth";

    fn render(self) -> AnyView {
        let Self {
            form,
            next,
            name,
            email,
            posted,
        } = self;
        let name = RwSignal::new(name);
        let email = RwSignal::new(email);
        let password = RwSignal::new(String::new());
        let checks = Checks::new(move || form.check(name.get(), email.get(), password.get()));
        let posted = posted.and_then(|error| checks.show_posted(error));
        let on_submit = move |event: SubmitEvent| checks.refuse_invalid(&event);
        let (new_password, label) = match form {
            AuthForm::SignIn => (false, "Sign in"),
            AuthForm::SignUp => (true, "Create account"),
        };
        view! {
            {posted}
            <form class="stack" method="post" action=form.path() novalidate on:submit=on_submit>
                <input type="hidden" name="next" value=next />
                {new_password.then(|| view! {
                    <Input id="name" name="input[name]" label="Name" value=name checks autocomplete="name" />
                })}
                <Input id="email" name="input[email]" label="Email" value=email checks kind="email" autocomplete="email" />
                {if new_password {
                    view! {
                        <Input id="password" name="input[password]" label="Password" value=password checks kind="password"
                            autocomplete="new-password" hint="At least 12 characters." />
                    }.into_any()
                } else {
                    view! {
                        <Input id="password" name="input[password]" label="Password" value=password checks kind="password"
                            autocomplete="current-password" />
                    }.into_any()
                }}
                <div class="form-actions">
                    <button type="submit" class="button primary">{label}</button>
                </div>
            </form>
        }
        .into_any()
    }
}

/// The `next` of this page's address (where to go after signing in).
fn next_param() -> Option<String> {
    use_query_map().with_untracked(|q| q.get("next"))
}

/// A link to the other auth page that keeps this page's `next`.
fn keeping_next(page: &str) -> String {
    next_param().map_or_else(|| page.to_owned(), |next| next_href(page, &next))
}

/// The page of `form`: its title, the island, and `other`, the way to the
/// other form.
#[component]
fn AuthPage(form: AuthForm, title: &'static str, other: impl IntoView + 'static) -> impl IntoView {
    let posted = posted_error(form.path());
    // What a failed plain post typed, which the server kept for this page.
    let typed = flash_when(posted.is_some());
    let posted = StoredValue::new(posted);
    view! {
        <Title text=title />
        <div class="page narrow">
            <h1>{title}</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let typed = typed.await.unwrap_or_default();
                    island(AuthIsland {
                        form,
                        next: next_param().unwrap_or_default(),
                        name: flash_field(&typed, "name"),
                        email: flash_field(&typed, "email"),
                        posted: posted.get_value(),
                    })
                })}
            </Suspense>
            {other}
        </div>
    }
}

#[component]
pub(crate) fn LoginPage() -> impl IntoView {
    let other = view! { <p class="muted">"New here? " <A href=keeping_next("/register")>"Create an account"</A></p> };
    view! { <AuthPage form=AuthForm::SignIn title="Sign in" other /> }
}

#[component]
pub(crate) fn RegisterPage() -> impl IntoView {
    let other = view! { <p class="muted">"Already have an account? " <A href=keeping_next("/login")>"Sign in"</A></p> };
    view! { <AuthPage form=AuthForm::SignUp title="Create an account" other /> }
}
