//! Personal API tokens on the account page: the list (name, scopes,
//! created, last used, expiry) with revoke, and the form that creates one
//! and shows its secret this once.
//!
//! Both are plain posts that land back on the account page; the new
//! token's secret travels there in the flash cookie, never in the address.

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use shared_schema::{
    account::{ApiToken, CreatedApiToken, NewApiToken, Scope},
    validated,
};
use uuid::Uuid;

use crate::{
    AppError,
    components::{Checks, Column, DataTable, ErrorAlert, Input},
    form_post::{post_path, posted_error},
    island::{Island, island},
    session::{flash_field, flash_when},
};

/// The caller's tokens, newest first (never their secrets).
#[server(endpoint = "api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiToken>, AppError> {
    crate::backend::serve(|backend, caller| async move { backend.api_tokens(&caller).await }).await
}

/// Creates a token; the answer is the only time its secret is shown. A
/// plain post of the form lands on the account page, which shows it (or
/// back on the form, with the name as typed).
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(
    name: String,
    #[server(default)] scopes: Vec<Scope>,
    #[server(default)] expires_in_days: Option<i32>,
) -> Result<CreatedApiToken, AppError> {
    use crate::query::query_string;
    let post = crate::form_post::FormPost::current();
    let input = NewApiToken {
        name,
        scopes,
        expires_in_days,
    }
    .normalized();
    let typed = query_string([("name", input.name.as_str())]);
    let result = crate::backend::serve(|backend, caller| async move {
        let created = backend.create_api_token(&caller, input).await;
        let flash = match &created {
            Ok(created) => query_string([
                ("token", created.token.as_str()),
                ("token_name", &created.details.name),
            ]),
            Err(_) => typed,
        };
        crate::session::keep_flash(post, backend.as_ref(), Some(&flash));
        created
    })
    .await;
    post.answer(result, |_| {
        Some("/account?token=created#new-token".to_owned())
    })
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
    let tokens = Resource::new(|| (), |()| list_api_tokens());
    let posted = StoredValue::new(posted_error(post_path::<CreateApiToken>()));
    let created = use_query_map().with_untracked(|q| q.get("token").is_some());
    // The new token's secret, or the name a refused form typed.
    let flash = flash_when(created || posted.with_value(Option::is_some));
    let revoke_path = post_path::<RevokeApiToken>();

    view! {
        <section class="stack" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">"API tokens"</h2>
            <p class="muted">
                "Give a tool a token instead of your password. It sends it as "
                <code>"Authorization: Bearer rbk_…"</code>
                " and can do only what its scopes allow. Changing your password or signing out everywhere revokes every token."
            </p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let flash = flash.await.unwrap_or_default();
                    let secret = flash_field(&flash, "token");
                    let shown = (!secret.is_empty()).then(|| {
                        let name = flash_field(&flash, "token_name");
                        view! {
                            <div id="new-token" class="alert success" role="status">
                                <p>{format!("Token “{name}” created. Copy it now: it will not be shown again.")}</p>
                                <p><code class="token">{secret}</code></p>
                            </div>
                        }
                    });
                    view! {
                        {shown}
                        {island(NewTokenIsland {
                            admin,
                            name: flash_field(&flash, "name"),
                            posted: posted.get_value(),
                        })}
                    }
                })}
            </Suspense>
            {posted_error(revoke_path).map(|error| view! { <ErrorAlert error /> })}
            <Suspense fallback=|| view! { <p class="loading">"Loading your tokens…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="muted">"No API tokens yet."</p> }.into_any()
                        }
                        Ok(list) => {
                            let rows = list
                                .into_iter()
                                .map(|token| {
                                    let label = format!("Revoke {}", token.name);
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
                                                <form class="inline-form" method="post" action=revoke_path>
                                                    <input type="hidden" name="id" value=token.id.to_string() />
                                                    <button type="submit" class="link-button" aria-label=label>
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
            </Suspense>
        </section>
    }
}

/// How long a new token works: the form's choices, the default first.
const LIFETIMES: [(&str, &str); 4] = [
    ("90", "In 90 days"),
    ("30", "In 30 days"),
    ("365", "In a year"),
    ("", "Never"),
];

/// The form that creates a token: validated as it is typed, posted when
/// valid.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct NewTokenIsland {
    /// The caller may give a token the admin scope.
    admin: bool,
    /// The name a refused post typed.
    name: String,
    /// The error of the last post.
    posted: Option<AppError>,
}

impl Island for NewTokenIsland {
    const NAME: &'static str = "new-token";

    fn render(self) -> AnyView {
        let Self {
            admin,
            name,
            posted,
        } = self;
        let name = RwSignal::new(name);
        let chosen = Scope::ALL.map(|scope| (scope, RwSignal::new(scope == Scope::Read)));
        let days = RwSignal::new(LIFETIMES[0].0.to_owned());
        let checks = Checks::new(move || {
            let input = NewApiToken {
                name: name.get(),
                scopes: chosen
                    .iter()
                    .filter(|(_, on)| on.get())
                    .map(|(scope, _)| *scope)
                    .collect(),
                expires_in_days: days.get().parse().ok(),
            };
            validated(input.normalized(), &()).err().unwrap_or_default()
        });
        let posted = posted.and_then(|error| checks.show_posted(error));
        let on_submit = move |event: SubmitEvent| checks.refuse_invalid(&event);
        let path = post_path::<CreateApiToken>();

        let boxes = chosen
            .into_iter()
            .enumerate()
            .filter(|(_, (scope, _))| admin || *scope != Scope::Admin)
            .map(|(index, (scope, on))| {
                view! {
                    <label class="checkbox">
                        <input type="checkbox" name=format!("scopes[{index}]") value=scope.as_str()
                            checked=on.get_untracked()
                            prop:checked=on
                            on:change=move |ev| { on.set(event_target_checked(&ev)); checks.touch("scopes"); } />
                        " " {scope_label(scope)}
                    </label>
                }
            })
            .collect_view();
        let lifetimes = LIFETIMES
            .into_iter()
            .map(|(value, label)| view! { <option value=value>{label}</option> })
            .collect_view();
        let scopes_message = move || checks.message("scopes");

        view! {
            {posted}
            <form class="stack" method="post" action=path novalidate on:submit=on_submit>
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
                        on:change=move |ev| days.set(event_target_value(&ev))>
                        {lifetimes}
                    </select>
                </div>
                <div class="form-actions">
                    <button type="submit" class="button primary">"Create token"</button>
                </div>
            </form>
        }
        .into_any()
    }
}
