//! The room catalogue: room types and their admin, and search over
//! per-night availability.
//!
//! Owns `rooms`. Creating a room creates its nights through `availability`;
//! a patch of the base price or unit count carries over to the future
//! nights that still follow the base values (nights edited one by one keep
//! their own). It never touches `booked`.

mod cursor;
mod index;
mod repo;

use shared_schema::{
    ConflictCode,
    rooms::{Room, RoomInput, RoomPatch},
    search::{RoomSearch, SearchOptions, SearchPage},
    validated,
};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    availability::{self, AvailabilityIndex},
    error::{Conflict, Error},
    property::Property,
};

/// One page of the rooms with at least `units` free on every night of the
/// stay and enough capacity for the party, in the requested order: from
/// the availability index when it is fresh, else from SQL (the oracle the
/// index is tested against).
#[tracing::instrument(skip(pool, index, property))]
pub(crate) async fn search(
    pool: &PgPool,
    index: Option<&AvailabilityIndex>,
    property: &Property,
    search: RoomSearch,
    options: SearchOptions,
) -> Result<SearchPage, Error> {
    let window = property.booking_window();
    let (search, options) = match (validated(search, &window), validated(options, &())) {
        (Ok(search), Ok(options)) => (search, options),
        (search, options) => {
            // Every broken field at once, search and options alike.
            let mut errors = search.err().unwrap_or_default();
            errors.extend(options.err().unwrap_or_default());
            return Err(errors.into());
        }
    };
    let after = options
        .cursor
        .as_deref()
        .map(|cursor| cursor::decode(cursor, options.sort))
        .transpose()?;
    let page_size = i64::from(options.page_size());
    // One extra row says whether another page follows.
    let limit = page_size + 1;
    let from_index =
        index.and_then(|index| index::search(index, &search, &options, after.as_ref(), limit));
    let mut offers = match from_index {
        Some(offers) => offers,
        None => repo::search(pool, &search, &options, after.as_ref(), limit).await?,
    };
    let next_cursor = if offers.len() > usize::try_from(page_size).unwrap_or(usize::MAX) {
        offers.truncate(offers.len() - 1);
        offers.last().map(|last| cursor::encode(last, options.sort))
    } else {
        None
    };
    Ok(SearchPage {
        offers,
        next_cursor,
    })
}

/// A room; inactive ones only for admins.
pub(crate) async fn get(pool: &PgPool, id: Uuid, include_inactive: bool) -> Result<Room, Error> {
    repo::get(pool, id)
        .await?
        .filter(|room| room.active || include_inactive)
        .ok_or(Error::NotFound)
}

/// Every room, active or not, by name.
pub(crate) async fn list_all(pool: &PgPool) -> Result<Vec<Room>, Error> {
    Ok(repo::list_all(pool).await?)
}

/// Whether any room exists, active or not (a new install has none).
pub(crate) async fn any(pool: &PgPool) -> Result<bool, Error> {
    Ok(repo::any(pool).await?)
}

/// Creates a room with its nights for the whole booking window.
#[tracing::instrument(skip_all)]
pub(crate) async fn create(
    pool: &PgPool,
    property: &Property,
    input: RoomInput,
) -> Result<Room, Error> {
    let input = validated(input.normalized(), &())?;
    in_property_currency(property, Some(&input.currency))?;
    let mut tx = pool.begin().await?;
    let room = repo::insert(&mut tx, &input).await?;
    availability::create_for_room(&mut tx, room.id, &property.booking_window()).await?;
    tx.commit().await?;
    tracing::info!(room_id = %room.id, "room created");
    Ok(room)
}

/// Applies a patch. Base price and unit count carry over to future nights
/// still at the old base value; a unit count below what some night has
/// booked is refused (409 naming the nights).
#[tracing::instrument(skip_all, fields(room_id = %id))]
pub(crate) async fn patch(
    pool: &PgPool,
    property: &Property,
    id: Uuid,
    patch: RoomPatch,
) -> Result<Room, Error> {
    let patch = &validated(patch.normalized(), &())?;
    in_property_currency(property, patch.currency.as_ref())?;
    let today = property.today();
    let mut tx = pool.begin().await?;
    let current = repo::lock(&mut tx, id).await?.ok_or(Error::NotFound)?;
    if let Some(total) = patch
        .total_inventory
        .filter(|t| *t != current.total_inventory)
    {
        let over =
            repo::nights_booked_above(&mut tx, id, today, current.total_inventory, total).await?;
        if !over.is_empty() {
            return Err(Conflict::new(
                ConflictCode::BelowBooked,
                format!(
                    "{} night(s) already have more than {total} unit(s) booked.",
                    over.len()
                ),
            )
            .with_nights(over)
            .into());
        }
    }
    repo::carry_base_values_to_nights(&mut tx, &current, patch, today).await?;
    let room = repo::update(&mut tx, id, patch).await?;
    tx.commit().await?;
    Ok(room)
}

/// Every room is priced in the property's currency (a room left in another
/// one by an older version is inactive until an admin moves it over).
fn in_property_currency(property: &Property, currency: Option<&String>) -> Result<(), Error> {
    match currency {
        Some(currency) if *currency != property.currency => Err(Error::invalid(
            "currency",
            format!(
                "This property's prices are in {}; every room uses that currency.",
                property.currency
            ),
        )),
        _ => Ok(()),
    }
}

/// The currencies active rooms are priced in, other than the property's:
/// the server refuses to start with any (prices would not compare).
pub(crate) async fn foreign_currencies(
    pool: &PgPool,
    property: &Property,
) -> Result<Vec<String>, Error> {
    Ok(repo::active_currencies_other_than(pool, &property.currency).await?)
}

/// Hides a room from search and booking; its bookings stay as they are.
pub(crate) async fn deactivate(pool: &PgPool, id: Uuid) -> Result<(), Error> {
    if repo::deactivate(pool, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}
