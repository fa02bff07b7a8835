//! Personal API tokens on the account page: the list (name, scopes,
//! created, last used, expiry) with revoke, and the form that creates one
//! and shows its secret this once.

use leptos::prelude::*;
use shared_schema::{
    account::{ApiToken, CreatedApiToken, NewApiToken, Scope},
    validated,
};
use uuid::Uuid;

use crate::{
    AppError,
    components::{Checks, Column, DataTable, ErrorAlert, FormFooter, Input},
    form_post::{post_path, posted_error},
};

/// The caller's tokens, newest first (never their secrets).
#[server(endpoint = "api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiToken>, AppError> {
    crate::backend::serve(|backend, caller| async move { backend.api_tokens(&caller).await }).await
}

/// Creates a token; the answer is the only time its secret is shown.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(input: NewApiToken) -> Result<CreatedApiToken, AppError> {
    crate::backend::serve(|backend, caller| async move {
        backend.create_api_token(&caller, input).await
    })
    .await
}

/// Revokes one of the caller's tokens; a plain post lands back on the
/// account page.
#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: Uuid) -> Result<(), AppError> {
    let post = crate::form_post::FormPost::current();
    let result = crate::backend::serve(|backend, caller| async move {
        backend.revoke_api_token(&caller, id).await
    })
    .await;
    post.answer(result, |()| Some("/account".to_owned()))
}

const COLUMNS: &[Column] = &[
    ("Name", false),
    ("Scopes", false),
    ("Created", false),
    ("Last used", false),
    ("Expires", false),
    ("", false),
];

fn when(at: Option<chrono::DateTime<chrono::Utc>>, none: &'static str) -> String {
    at.map_or_else(
        || none.to_owned(),
        |at| at.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// What each scope allows, as the form's checkboxes say it.
fn scope_label(scope: Scope) -> &'static str {
    match scope {
        Scope::Read => "read: see your bookings, rooms and calendars",
        Scope::Book => "book: create and cancel your bookings",
        Scope::Admin => "admin: manage rooms and inventory, see every booking",
    }
}

#[component]
pub(crate) fn ApiTokens(admin: bool) -> impl IntoView {
    let changed = RwSignal::new(0_u32);
    let tokens = Resource::new(move || changed.get(), |_| list_api_tokens());
    let revoke = Action::new(move |id: &Uuid| revoke_api_token(*id));
    let revoke_path = post_path::<RevokeApiToken>();
    Effect::new(move || {
        if let Some(Ok(())) = revoke.value().get() {
            changed.update(|n| *n += 1);
        }
    });

    view! {
        <section class="stack" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">"API tokens"</h2>
            <p class="muted">
                "Give a tool a token instead of your password. It sends it as "
                <code>"Authorization: Bearer rbk_…"</code>
                " and can do only what its scopes allow. Changing your password or signing out everywhere revokes every token."
            </p>
            <NewTokenForm admin changed />
            {move || match revoke.value().get() {
                Some(Err(error)) => Some(view! { <ErrorAlert error /> }),
                _ => posted_error(revoke_path).map(|error| view! { <ErrorAlert error /> }),
            }}
            <Transition fallback=|| view! { <p class="loading">"Loading your tokens…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="muted">"No API tokens yet."</p> }.into_any()
                        }
                        Ok(list) => {
                            let rows = list
                                .into_iter()
                                .map(|token| {
                                    let id = token.id;
                                    let label = format!("Revoke {}", token.name);
                                    let on_revoke = move |event: leptos::ev::SubmitEvent| {
                                        event.prevent_default();
                                        revoke.dispatch(id);
                                    };
                                    let scopes = token
                                        .scopes
                                        .iter()
                                        .map(|scope| scope.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ");
                                    view! {
                                        <tr>
                                            <td>{token.name}</td>
                                            <td>{scopes}</td>
                                            <td>{when(Some(token.created_at), "")}</td>
                                            <td>{when(token.last_used_at, "never")}</td>
                                            <td>{when(token.expires_at, "never")}</td>
                                            <td>
                                                <form class="inline-form" method="post" action=revoke_path on:submit=on_revoke>
                                                    <input type="hidden" name="id" value=id.to_string() />
                                                    <button type="submit" class="link-button"
                                                        aria-label=label
                                                        disabled=move || revoke.pending().get()>
                                                        "Revoke"
                                                    </button>
                                                </form>
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view();
                            view! { <DataTable label="API tokens" columns=COLUMNS>{rows}</DataTable> }.into_any()
                        }
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn NewTokenForm(admin: bool, changed: RwSignal<u32>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let chosen = Scope::ALL.map(|scope| (scope, RwSignal::new(scope == Scope::Read)));
    let days = RwSignal::new("90".to_owned());
    let input = move || NewApiToken {
        name: name.get(),
        scopes: chosen
            .iter()
            .filter(|(_, on)| on.get())
            .map(|(scope, _)| *scope)
            .collect(),
        expires_in_days: days.get().parse().ok(),
    };
    let checks = Checks::new(move || {
        validated(input().normalized(), &())
            .err()
            .unwrap_or_default()
    });
    let action = Action::new(move |(): &()| create_api_token(input().normalized()));
    let on_submit = checks.submit(action);
    Effect::new(move || {
        if let Some(Ok(_)) = action.value().get() {
            changed.update(|n| *n += 1);
            name.set(String::new());
        }
    });

    let boxes = chosen
        .into_iter()
        .filter(|(scope, _)| admin || *scope != Scope::Admin)
        .map(|(scope, on)| {
            view! {
                <label class="checkbox">
                    <input type="checkbox" name="scopes" value=scope.as_str()
                        prop:checked=move || on.get()
                        on:change=move |ev| { on.set(event_target_checked(&ev)); checks.touch("scopes"); } />
                    " " {scope_label(scope)}
                </label>
            }
        })
        .collect_view();
    let scopes_message = move || checks.message("scopes");

    view! {
        {move || match action.value().get() {
            Some(Ok(created)) => Some(view! {
                <div class="alert success" role="status">
                    <p>{format!("Token “{}” created. Copy it now: it will not be shown again.", created.details.name)}</p>
                    <p><code class="token">{created.token}</code></p>
                </div>
            }),
            _ => None,
        }}
        <form class="stack" novalidate on:submit=on_submit>
            <Input id="name" label="Token name" value=name checks hint="What the token is for, e.g. the tool that uses it." />
            <fieldset class="field" class:invalid=move || scopes_message().is_some()
                aria-describedby="scopes-error">
                <legend>"Scopes"</legend>
                {boxes}
                <p class="field-error" id="scopes-error" aria-live="polite">{scopes_message}</p>
            </fieldset>
            <div class="field">
                <label for="expires_in_days">"Expires"</label>
                <select id="expires_in_days" name="expires_in_days"
                    on:change=move |ev| days.set(event_target_value(&ev))
                    prop:value=move || days.get()>
                    <option value="30">"In 30 days"</option>
                    <option value="90">"In 90 days"</option>
                    <option value="365">"In a year"</option>
                    <option value="">"Never"</option>
                </select>
            </div>
            <FormFooter action label="Create token" />
        </form>
    }
}
