//! The use cases, bundled with what they need, behind both doors: the REST
//! handlers call them directly and Leptos server functions through the
//! [`app::backend::Backend`] port implemented here.

use std::sync::{Arc, OnceLock};

use app::{
    AppError,
    backend::{Backend, Caller, SignedIn},
};
use chrono::NaiveDate;
use shared_schema::{
    ConflictCode,
    account::{ApiToken, ChangePassword, CreatedApiToken, NewApiToken},
    auth::{Login, Register},
    booking::{BookingFilter, BookingPage, NewBooking},
    dto::{Booking, Session, User},
    inventory::{InventoryEdit, NightAvailability, RoomOccupancy},
    photos::{Photo, PhotoPatch},
    rooms::{Room, RoomInput, RoomPatch},
    search::{RoomSearch, SearchOptions, SearchPage},
    stay::BookingWindow,
};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    auth::{self, Principal, SessionSettings, session},
    availability,
    bookings::{self, IdempotencyKey, StoredOutcome},
    config::Config,
    error::Error,
    http::{
        auth::CookiePolicy,
        metrics::{BookingCounters, Door},
    },
    photos,
    property::Property,
    rooms,
};

/// Shared, cheap to clone.
#[derive(Debug, Clone)]
pub struct Services {
    pub pool: PgPool,
    /// Session lifetime.
    pub sessions: SessionSettings,
    /// How browsers get the session token.
    pub cookies: CookiePolicy,
    /// The property's calendar: what every use case checks dates against.
    pub property: Property,
    /// The in-memory availability index search answers from, once
    /// attached (the application attaches one at start-up; without it,
    /// search asks SQL).
    index: OnceLock<Arc<availability::AvailabilityIndex>>,
    /// Bookings made and cancelled through either door (`/metrics`).
    pub booking_counters: BookingCounters,
    /// Every room's first photo, for search results.
    pub covers: photos::Covers,
}

impl Services {
    pub fn new(pool: PgPool, config: &Config) -> Arc<Self> {
        Arc::new(Self {
            pool,
            sessions: SessionSettings::from_config(config),
            cookies: CookiePolicy::from_config(config),
            property: Property::from_config(config),
            index: OnceLock::new(),
            booking_counters: BookingCounters::default(),
            covers: photos::Covers::default(),
        })
    }

    /// Starts this instance's availability index (listening and loading in
    /// the background) and lets search use it once fresh. Idempotent.
    pub fn start_index(&self) -> Arc<availability::AvailabilityIndex> {
        Arc::clone(self.index.get_or_init(|| {
            availability::AvailabilityIndex::start(self.pool.clone(), self.property.clone())
        }))
    }

    /// The availability index, when one was started.
    pub fn index(&self) -> Option<&availability::AvailabilityIndex> {
        self.index.get().map(AsRef::as_ref)
    }
}

/// The caller of one request, looked up once however many server
/// functions a page render runs (the router provides a fresh one per
/// request through Leptos context).
#[derive(Debug, Clone, Default)]
pub struct RequestPrincipal(Arc<tokio::sync::OnceCell<Option<Principal>>>);

/// Who is asking, from the session a server function's request carries.
/// Server functions are the browser UI's door: only sessions open it, API
/// tokens (whose scopes the REST API checks) do not.
impl Services {
    async fn principal(&self, caller: &Caller) -> Result<Option<Principal>, Error> {
        // Pages and server functions take sessions only, never API tokens.
        let lookup = || async {
            match self.cookies.token(&caller.0) {
                Some(token) => session::principal(&self.pool, self.sessions, token)
                    .await
                    .map(|who| who.filter(|who| who.require_session().is_ok())),
                None => Ok(None),
            }
        };
        match leptos::prelude::use_context::<RequestPrincipal>() {
            Some(cached) => Ok(*cached.0.get_or_try_init(lookup).await?),
            None => Ok(lookup().await?),
        }
    }

    async fn signed_in(&self, caller: &Caller) -> Result<Principal, Error> {
        self.principal(caller).await?.ok_or(Error::Unauthenticated)
    }

    /// Whether the caller is a signed-in admin (who may see inactive rooms).
    async fn is_admin(&self, caller: &Caller) -> Result<bool, Error> {
        Ok(self
            .principal(caller)
            .await?
            .is_some_and(|who| who.is_admin()))
    }

    async fn admin(&self, caller: &Caller) -> Result<Principal, Error> {
        self.signed_in(caller).await?.require_admin()
    }

    fn signed_in_with(&self, session: &Session) -> SignedIn {
        SignedIn {
            user: session.user.clone(),
            set_cookie: self
                .cookies
                .cookie(&session.token)
                .to_str()
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

/// The browser's door: the same use cases the REST handlers call, with the
/// same validation, answering [`AppError`]s.
#[async_trait::async_trait]
impl Backend for Services {
    async fn booking_window(&self) -> BookingWindow {
        self.property.booking_window()
    }

    async fn search_rooms(
        &self,
        search: RoomSearch,
        options: SearchOptions,
    ) -> Result<SearchPage, AppError> {
        let mut page =
            rooms::search(&self.pool, self.index(), &self.property, search, options).await?;
        self.covers.attach(&self.pool, &mut page.offers).await;
        Ok(page)
    }

    async fn has_rooms(&self) -> Result<bool, AppError> {
        Ok(rooms::any(&self.pool).await?)
    }

    async fn room(&self, caller: &Caller, id: Uuid) -> Result<Room, AppError> {
        let is_admin = self.is_admin(caller).await?;
        Ok(rooms::get(&self.pool, id, is_admin).await?)
    }

    async fn calendar(
        &self,
        caller: &Caller,
        id: Uuid,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NightAvailability>, AppError> {
        let is_admin = self.is_admin(caller).await?;
        let range = availability::CalendarRange {
            from: Some(from),
            to: Some(to),
        };
        Ok(availability::calendar(&self.pool, &self.property, id, range, is_admin).await?)
    }

    async fn current_user(&self, caller: &Caller) -> Result<Option<User>, AppError> {
        match self.principal(caller).await? {
            Some(who) => Ok(Some(auth::me(&self.pool, who).await?)),
            None => Ok(None),
        }
    }

    async fn register(&self, input: Register) -> Result<SignedIn, AppError> {
        let session = auth::register(&self.pool, self.sessions, input).await?;
        Ok(self.signed_in_with(&session))
    }

    async fn login(&self, input: Login) -> Result<SignedIn, AppError> {
        let session = auth::login(&self.pool, self.sessions, input).await?;
        Ok(self.signed_in_with(&session))
    }

    fn flash_cookie(&self, flash: Option<&str>) -> String {
        let cookie = self.cookies.flash_cookie(flash);
        cookie.to_str().unwrap_or_default().to_owned()
    }

    fn flash(&self, caller: &Caller) -> Option<String> {
        crate::http::auth::cookie_from_headers(&caller.0, crate::http::auth::FLASH_COOKIE)
            .filter(|flash| !flash.is_empty())
            .map(str::to_owned)
    }

    async fn logout(&self, caller: &Caller) -> Result<String, AppError> {
        if let (Some(who), Some(token)) =
            (self.principal(caller).await?, self.cookies.token(&caller.0))
        {
            auth::logout(&self.pool, who, token).await?;
        }
        let clear = self.cookies.clearing_cookie();
        Ok(clear.to_str().unwrap_or_default().to_owned())
    }

    async fn change_password(
        &self,
        caller: &Caller,
        input: ChangePassword,
    ) -> Result<(), AppError> {
        let who = self.signed_in(caller).await?;
        // `signed_in` has just accepted this very token.
        let token = self
            .cookies
            .token(&caller.0)
            .ok_or(Error::Unauthenticated)?;
        Ok(auth::change_password(&self.pool, who, token, input).await?)
    }

    async fn logout_everywhere(&self, caller: &Caller) -> Result<String, AppError> {
        let who = self.signed_in(caller).await?;
        auth::logout_everywhere(&self.pool, who).await?;
        let clear = self.cookies.clearing_cookie();
        Ok(clear.to_str().unwrap_or_default().to_owned())
    }

    async fn api_tokens(&self, caller: &Caller) -> Result<Vec<ApiToken>, AppError> {
        let who = self.signed_in(caller).await?;
        Ok(auth::tokens::list(&self.pool, who).await?)
    }

    async fn create_api_token(
        &self,
        caller: &Caller,
        input: NewApiToken,
    ) -> Result<CreatedApiToken, AppError> {
        let who = self.signed_in(caller).await?;
        Ok(auth::tokens::create(&self.pool, who, input).await?)
    }

    async fn revoke_api_token(&self, caller: &Caller, id: Uuid) -> Result<(), AppError> {
        let who = self.signed_in(caller).await?;
        Ok(auth::tokens::revoke(&self.pool, who, id).await?)
    }

    async fn book(
        &self,
        caller: &Caller,
        booking: NewBooking,
        form_key: Option<String>,
    ) -> Result<Booking, AppError> {
        let who = self.signed_in(caller).await?;
        let key = form_key
            .map(|form_key| form_idempotency_key(&form_key, &booking))
            .transpose()?;
        // A form posted twice at once (a double click without JavaScript:
        // the browser shows only the second answer) finds the first post
        // still booking: wait for its outcome rather than answer an error.
        let deadline = tokio::time::Instant::now() + FORM_REPOST_WAIT;
        let mut pause = std::time::Duration::from_millis(20);
        loop {
            let outcome = bookings::create(
                &self.pool,
                &self.property,
                who,
                booking.clone(),
                key.as_ref(),
            )
            .await;
            match outcome {
                Err(Error::Conflict(conflict))
                    if conflict.code == ConflictCode::IdempotencyInProgress
                        && tokio::time::Instant::now() + pause < deadline =>
                {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_millis(250));
                }
                outcome => {
                    self.booking_counters.booking(Door::Ui, &outcome);
                    return Ok(form_outcome(outcome?)?);
                }
            }
        }
    }

    async fn bookings(
        &self,
        caller: &Caller,
        filter: BookingFilter,
        mine: bool,
    ) -> Result<BookingPage, AppError> {
        let who = self.signed_in(caller).await?;
        let filter = BookingFilter {
            user_id: if mine {
                Some(who.user_id)
            } else {
                filter.user_id
            },
            ..filter
        };
        Ok(bookings::list(&self.pool, who, &filter).await?)
    }

    async fn booking(&self, caller: &Caller, id: Uuid) -> Result<Booking, AppError> {
        let who = self.signed_in(caller).await?;
        Ok(bookings::get(&self.pool, who, id).await?)
    }

    async fn cancel_booking(&self, caller: &Caller, id: Uuid) -> Result<Booking, AppError> {
        let who = self.signed_in(caller).await?;
        let result = bookings::cancel(&self.pool, &self.property, who, id).await;
        self.booking_counters.cancellation(Door::Ui, &result);
        Ok(result?)
    }

    async fn require_admin(&self, caller: &Caller) -> Result<(), AppError> {
        self.admin(caller).await?;
        Ok(())
    }

    async fn all_rooms(&self, caller: &Caller) -> Result<Vec<Room>, AppError> {
        self.admin(caller).await?;
        Ok(rooms::list_all(&self.pool).await?)
    }

    async fn create_room(&self, caller: &Caller, input: RoomInput) -> Result<Room, AppError> {
        self.admin(caller).await?;
        Ok(rooms::create(&self.pool, &self.property, input).await?)
    }

    async fn update_room(
        &self,
        caller: &Caller,
        id: Uuid,
        patch: RoomPatch,
    ) -> Result<Room, AppError> {
        self.admin(caller).await?;
        Ok(rooms::patch(&self.pool, &self.property, id, patch).await?)
    }

    async fn edit_inventory(
        &self,
        caller: &Caller,
        id: Uuid,
        edit: InventoryEdit,
    ) -> Result<Vec<NightAvailability>, AppError> {
        self.admin(caller).await?;
        Ok(availability::edit(&self.pool, &self.property, id, edit).await?)
    }

    async fn occupancy(
        &self,
        caller: &Caller,
        nights: u16,
    ) -> Result<Vec<RoomOccupancy>, AppError> {
        self.admin(caller).await?;
        Ok(availability::occupancy(&self.pool, &self.property, nights).await?)
    }

    async fn room_photos(&self, caller: &Caller, room_id: Uuid) -> Result<Vec<Photo>, AppError> {
        let is_admin = self.is_admin(caller).await?;
        Ok(photos::list(&self.pool, room_id, is_admin).await?)
    }

    async fn update_photo(
        &self,
        caller: &Caller,
        room_id: Uuid,
        photo_id: Uuid,
        patch: PhotoPatch,
    ) -> Result<Photo, AppError> {
        self.admin(caller).await?;
        Ok(photos::patch(&self.pool, &self.covers, room_id, photo_id, patch).await?)
    }

    async fn delete_photo(
        &self,
        caller: &Caller,
        room_id: Uuid,
        photo_id: Uuid,
    ) -> Result<(), AppError> {
        self.admin(caller).await?;
        Ok(photos::delete(&self.pool, &self.covers, room_id, photo_id).await?)
    }
}

/// How long a booking form's repeated post waits for its first post's
/// outcome (which normally takes milliseconds).
const FORM_REPOST_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The idempotency key of a booking form's post: the form's key and the
/// stay. One form books one stay once, however often it is posted, and a
/// stay changed on the same page is a booking of its own (never a reused
/// key).
fn form_idempotency_key(form_key: &str, booking: &NewBooking) -> Result<IdempotencyKey, Error> {
    let NewBooking {
        room_id,
        check_in,
        check_out,
        guests,
        units,
    } = booking;
    IdempotencyKey::parse(&format!(
        "form:{form_key}:{room_id}:{check_in}:{check_out}:{guests}:{units}"
    ))
}

/// A booking form's outcome: a repeated post lands on the booking (or the
/// refusal) its first post got.
fn form_outcome(outcome: bookings::Outcome) -> Result<Booking, Error> {
    match outcome {
        bookings::Outcome::Booked(booking)
        | bookings::Outcome::Replayed(StoredOutcome::Booked(booking)) => Ok(booking),
        bookings::Outcome::Replayed(StoredOutcome::Refused(refusal)) => Err(refusal.into()),
        // The key names the whole request, so it cannot come with another.
        bookings::Outcome::KeyReused => Err(Error::Internal(anyhow::anyhow!(
            "a booking form's key came with another request"
        ))),
    }
}

/// What the browser UI may learn about an error: the same refusals the
/// REST API gives, and an opaque word for our own faults (logged here).
impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        error.log();
        match error {
            Error::Validation(errors) => Self::Invalid(errors),
            Error::NotFound => Self::NotFound,
            // Only sessions reach the server functions, and sessions hold
            // every scope of their role: these cannot happen here.
            Error::Unauthenticated | Error::InsufficientScope(_) | Error::SessionRequired => {
                Self::Unauthenticated
            }
            Error::InvalidCredentials => Self::InvalidCredentials,
            Error::RateLimited { .. } => Self::RateLimited,
            Error::Conflict(conflict) => Self::Conflict(app::error::Conflict {
                code: conflict.code,
                message: conflict.detail,
                nights: conflict.nights,
            }),
            error if error.is_unavailable() => Self::Unavailable,
            _ => Self::Internal,
        }
    }
}
