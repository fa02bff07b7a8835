//! Pieces every form and page uses: labelled inputs with their message slot,
//! the validation state behind them, and error banners.
//!
//! A form validates with a shared-schema parser on every keystroke into a
//! [`Checks`]; a field shows its message once the user has left it changed
//! or tried to submit, and the server's messages (same rules, same words)
//! show when it answered 422 to something the browser let through.

use leptos::{ev::SubmitEvent, prelude::*};
use shared_schema::{errors::FieldErrors, stay::BookingWindow};

use crate::AppError;

/// The `min`/`max` of the check-in and check-out date inputs: check-in from
/// today to the last bookable night, check-out from tomorrow to the day
/// after it.
#[derive(Debug, Clone)]
pub(crate) struct StayLimits {
    pub(crate) first_check_in: String,
    pub(crate) last_check_in: String,
    pub(crate) first_check_out: String,
    pub(crate) last_check_out: String,
}

impl StayLimits {
    pub(crate) fn of(window: BookingWindow) -> Self {
        let last_night = window.last_night().unwrap_or(window.today);
        Self {
            first_check_in: window.today.to_string(),
            last_check_in: last_night.to_string(),
            first_check_out: window.today.succ_opt().unwrap_or(window.today).to_string(),
            last_check_out: window.end().to_string(),
        }
    }
}

/// The validation state of one form. `Copy`, so handlers can share it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checks {
    local: Memo<FieldErrors>,
    server: RwSignal<FieldErrors>,
    touched: RwSignal<Vec<&'static str>>,
    attempted: RwSignal<bool>,
}

impl Checks {
    /// Checks with `local` as the live result of the shared parser.
    pub(crate) fn new(local: impl Fn() -> FieldErrors + Send + Sync + 'static) -> Self {
        Self {
            local: Memo::new(move |_| local()),
            server: RwSignal::new(FieldErrors::default()),
            touched: RwSignal::new(Vec::new()),
            attempted: RwSignal::new(false),
        }
    }

    /// The message to show under `field` now, if any.
    pub(crate) fn message(self, field: &'static str) -> Option<String> {
        let shown = self.attempted.get() || self.touched.with(|t| t.contains(&field));
        self.local
            .with(|e| e.for_field(field).map(str::to_owned))
            .filter(|_| shown)
            .or_else(|| self.server.with(|e| e.for_field(field).map(str::to_owned)))
    }

    /// The user changed `field`: its own message may show from now on, and
    /// the server's earlier verdict on it no longer applies.
    pub(crate) fn touch(self, field: &'static str) {
        self.touched.update(|t| {
            if !t.contains(&field) {
                t.push(field);
            }
        });
        self.server
            .update(|errors| errors.0.retain(|e| e.field != field));
    }

    /// The form starts over (after a success that emptied it): no message
    /// shows until the user changes a field or submits again.
    #[cfg(feature = "admin")] // only admin pages need it (ADR 0013)
    pub(crate) fn reset(self) {
        self.touched.set(Vec::new());
        self.attempted.set(false);
        self.server.set(FieldErrors::default());
    }

    /// Messages show for `fields` from the start: their values came from
    /// the address, not from typing, and a wrong one must not wait.
    pub(crate) fn show_now(self, fields: impl IntoIterator<Item = &'static str>) {
        self.touched.update(|t| t.extend(fields));
    }

    /// A submit attempt: every message shows. True when the form is valid.
    pub(crate) fn attempt(self) -> bool {
        self.attempted.set(true);
        self.local.with(FieldErrors::is_empty)
    }

    /// The submit handler of a form that posts itself (no WASM needed): a
    /// valid form goes; an invalid one stays, with every message shown.
    pub(crate) fn refuse_invalid(self, event: &SubmitEvent) {
        if !self.attempt() {
            event.prevent_default();
        }
    }

    /// Shows the server's field messages, if `error` has any.
    pub(crate) fn show_server(self, error: &AppError) {
        if let Some(errors) = error.field_errors() {
            self.server.set(errors.clone());
        }
    }

    /// A plain post's failure shown on the form it came back to: field
    /// messages under their fields, any other error as an alert.
    pub(crate) fn show_posted(self, error: AppError) -> Option<impl IntoView + use<>> {
        self.show_server(&error);
        error
            .field_errors()
            .is_none()
            .then(|| view! { <ErrorAlert error /> })
    }

    /// The form's submit handler: checks every field and runs `action` only
    /// when all are valid; the server's field messages from its answer then
    /// show under their fields.
    #[cfg(feature = "admin")] // only admin pages need it (ADR 0013)
    pub(crate) fn submit<T>(
        self,
        action: Action<(), Result<T, AppError>>,
    ) -> impl Fn(SubmitEvent) + Copy + 'static
    where
        T: Clone + Send + Sync + 'static,
    {
        Effect::new(move || {
            if let Some(Err(error)) = action.value().get() {
                self.show_server(&error);
            }
        });
        move |event: SubmitEvent| {
            event.prevent_default();
            if self.attempt() {
                action.dispatch(());
            }
        }
    }
}

/// A labelled control with its message slot. The slot is always present (and
/// referenced by `aria-describedby`) so screen readers announce new messages.
#[component]
pub(crate) fn Field(
    id: &'static str,
    label: &'static str,
    message: Signal<Option<String>>,
    #[prop(default = None)] hint: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field" class:invalid=move || message.with(Option::is_some)>
            <label for=id>{label}</label>
            {hint.map(|hint| view! { <p class="muted hint" id=format!("{id}-hint")>{hint}</p> })}
            {children()}
            <p class="field-error" id=format!("{id}-error") aria-live="polite">
                {move || message.get()}
            </p>
        </div>
    }
}

/// An `<input>` bound to `value`, checked by `checks` under the name
/// `field` (`id` when not given).
#[component]
pub(crate) fn Input(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    checks: Checks,
    /// The form field, when two forms on a page share field names and so
    /// need other ids.
    #[prop(optional)]
    field: Option<&'static str>,
    /// The name the form posts it under (`field` when not given), e.g.
    /// `input[email]` for a server function's argument `input`.
    #[prop(optional)]
    name: Option<&'static str>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional, into)] min: Option<String>,
    #[prop(optional, into)] max: Option<String>,
    #[prop(optional)] step: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let field = field.unwrap_or(id);
    let name = name.unwrap_or(field);
    let message = Signal::derive(move || checks.message(field));
    view! {
        <Field id label message hint>
            <input id=id name=name type=kind
                autocomplete=autocomplete inputmode=inputmode min=min max=max step=step
                // The attribute for the server's HTML (a form that works
                // before the WASM), the property for live updates.
                value=value.get_untracked()
                prop:value=value
                on:input=move |ev| { value.set(event_target_value(&ev)); checks.touch(field); }
                aria-invalid=move || message.with(Option::is_some).to_string()
                aria-describedby=if hint.is_some() { format!("{id}-hint {id}-error") } else { format!("{id}-error") } />
        </Field>
    }
}

/// A failure that belongs to no field, announced to screen readers.
#[component]
pub(crate) fn ErrorAlert(error: AppError) -> impl IntoView {
    let text = match error {
        AppError::Invalid(_) => "Please correct the highlighted fields.".to_owned(),
        other => other.to_string(),
    };
    view! { <p class="alert error" role="alert">{text}</p> }
}

/// The end of a form: the error of the last attempt that belongs to no
/// field, and the submit button, disabled while the action runs so a
/// double click cannot send the form twice. Forms that explain a conflict
/// themselves (which nights, what to do) set `shows_conflicts`.
#[cfg(feature = "admin")] // only admin pages need it (ADR 0013)
#[component]
pub(crate) fn FormFooter<T>(
    action: Action<(), Result<T, AppError>>,
    label: &'static str,
    #[prop(default = "button primary")] class: &'static str,
    #[prop(default = false)] shows_conflicts: bool,
    /// The form already knows the server would refuse it (and says why).
    #[prop(optional, into)]
    blocked: Option<Signal<bool>>,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    let pending = action.pending();
    let blocked = move || blocked.is_some_and(|blocked| blocked.get());
    view! {
        {move || match action.value().get() {
            Some(Err(AppError::Conflict(_))) if shows_conflicts => None,
            Some(Err(error)) if error.field_errors().is_none() => Some(view! { <ErrorAlert error /> }),
            _ => None,
        }}
        <div class="form-actions">
            <button type="submit" class=class disabled=move || pending.get() || blocked()
                aria-busy=move || pending.get().to_string()>
                {label}
            </button>
        </div>
    }
}

/// A column of a [`DataTable`]: its heading and whether it holds numbers
/// (right-aligned). An empty heading is the row actions' column, named for
/// screen readers only.
pub(crate) type Column = (&'static str, bool);

/// A scrollable table of records with a sticky heading row. Its scroll
/// box is a named region in the tab order, so keyboard users can scroll it
/// too (a table of text has nothing else to focus).
#[component]
pub(crate) fn DataTable(
    columns: &'static [Column],
    /// Names the scroll region (and the table).
    label: &'static str,
    children: Children,
) -> impl IntoView {
    let headings = columns
        .iter()
        .map(|&(label, numeric)| {
            let label = if label.is_empty() {
                view! { <span class="visually-hidden">"Actions"</span> }.into_any()
            } else {
                label.into_any()
            };
            view! { <th scope="col" class:num=numeric>{label}</th> }
        })
        .collect_view();
    view! {
        <div class="table-wrap" role="region" aria-label=label tabindex="0">
            <table class="data" aria-label=label>
                <thead>
                    <tr>{headings}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

/// Moves keyboard focus (and so the screen reader) to the element `id`.
pub(crate) fn focus_by_id(id: &str) {
    use leptos::wasm_bindgen::JsCast;
    let element = document()
        .get_element_by_id(id)
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

/// The links between the pages of a list of bookings, newest, newer and
/// older, each made by `link(cursor, label, test id)` (no cursor: the
/// newest page); nothing when the list has one page. `first` says whether
/// this is the newest page.
pub(crate) fn booking_pages<V: IntoView + 'static>(
    first: bool,
    newer: Option<String>,
    older: Option<String>,
    link: impl Fn(Option<String>, &'static str, &'static str) -> V,
) -> impl IntoView {
    let newest = (!first).then(|| link(None, "Newest bookings", "newest-bookings"));
    let newer = newer.map(|cursor| link(Some(cursor), "Newer bookings", "newer-bookings"));
    let older = older.map(|cursor| link(Some(cursor), "Older bookings", "older-bookings"));
    (newest.is_some() || older.is_some()).then(|| {
        view! {
            <nav class="form-actions" aria-label="Pages of bookings">
                {newest}
                {newer}
                {older}
            </nav>
        }
    })
}
