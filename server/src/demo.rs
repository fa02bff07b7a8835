//! `--demo`: a small property for a first look, seeded through the same use
//! cases an admin and a guest would call: room types with descriptions,
//! capacities and prices, dearer weekend nights, a few closed nights, some
//! bookings, and a demo admin and guest with random passwords.
//!
//! Only ever into an empty database: a product with data of its own is
//! never touched.

use anyhow::Context;
use chrono::{Datelike, Days, Weekday};
use rand::{Rng, distributions::Alphanumeric};
use shared_schema::{
    auth::Register, booking::NewBooking, inventory::InventoryEdit, rooms::RoomInput,
};
use sqlx::PgPool;

use crate::{
    auth::{self, Principal, Role, SessionSettings},
    availability, bookings,
    property::Property,
    rooms,
};

/// The demo's sign-ins, printed once at start-up.
#[derive(Debug)]
pub struct DemoAccounts {
    pub admin: (String, String),
    pub guest: (String, String),
}

/// Room types: name, description, sleeps, nightly price (minor units), units.
const ROOMS: &[(&str, &str, i32, i64, i32)] = &[
    (
        "Garden Single",
        "A quiet single room facing the garden, with a desk by the window.",
        1,
        8_900,
        4,
    ),
    (
        "Garden Double",
        "Quiet, bright, with a view of the garden and a queen-size bed.",
        2,
        12_900,
        6,
    ),
    (
        "Courtyard Twin",
        "Two single beds around the cobbled courtyard; good for friends travelling together.",
        2,
        11_900,
        5,
    ),
    (
        "City Double",
        "On the street side, with a king-size bed and blackout curtains.",
        2,
        13_900,
        4,
    ),
    (
        "Balcony Room",
        "A double with its own balcony over the old town's roofs.",
        2,
        15_900,
        3,
    ),
    (
        "Family Room",
        "A double bed and two bunks behind a sliding door; cots on request.",
        4,
        18_900,
        3,
    ),
    (
        "Loft Suite",
        "Under the beams on the top floor: a sitting area, a bath and a king-size bed.",
        3,
        22_900,
        2,
    ),
    (
        "Accessible Double",
        "Step-free from the street, with a roll-in shower and wide doors.",
        2,
        12_900,
        2,
    ),
    (
        "Apartment",
        "Two bedrooms, a kitchen and a living room, for longer stays.",
        5,
        26_900,
        2,
    ),
    (
        "Attic Hideaway",
        "A small double under the roof with a skylight over the bed.",
        2,
        9_900,
        2,
    ),
];

/// Seeds the demo property, or refuses a database that has any rooms or
/// accounts already.
pub async fn seed(
    pool: &PgPool,
    property: &Property,
    sessions: SessionSettings,
) -> anyhow::Result<DemoAccounts> {
    let existing: i64 =
        sqlx::query_scalar("select (select count(*) from rooms) + (select count(*) from users)")
            .fetch_one(pool)
            .await?;
    anyhow::ensure!(
        existing == 0,
        "--demo fills only an empty database, and this one has rooms or accounts; \
         start without --demo (or with another --data-dir / DATABASE_URL)"
    );

    let accounts = DemoAccounts {
        admin: ("admin@demo.example".to_owned(), random_password()),
        guest: ("guest@demo.example".to_owned(), random_password()),
    };
    let register = |(email, password): &(String, String), name: &str| Register {
        email: email.clone(),
        name: name.to_owned(),
        password: password.clone(),
    };
    auth::create_admin(pool, register(&accounts.admin, "Demo Admin"), false).await?;
    let guest = auth::register(pool, sessions, register(&accounts.guest, "Demo Guest")).await?;

    let window = property.booking_window();
    let mut room_ids = Vec::new();
    for (name, description, capacity, price_cents, units) in ROOMS {
        let room = rooms::create(
            pool,
            property,
            RoomInput {
                name: (*name).to_owned(),
                description: (*description).to_owned(),
                capacity: *capacity,
                price_cents: *price_cents,
                currency: property.currency.clone(),
                total_inventory: *units,
            },
        )
        .await?;
        room_ids.push((room.id, *price_cents));
    }

    // Friday and Saturday nights cost a quarter more: one edit a weekend.
    let mut night = window.today;
    while night < window.end() {
        let weekend = match night.weekday() {
            Weekday::Fri => 2,
            Weekday::Sat => 1,
            _ => 0,
        };
        if weekend == 0 {
            night = night + Days::new(1);
            continue;
        }
        let sunday = (night + Days::new(weekend)).min(window.end());
        for (room, price_cents) in &room_ids {
            let edit = InventoryEdit {
                from: night,
                to: sunday,
                total: None,
                price_cents: Some(price_cents * 5 / 4),
                closed: None,
            };
            availability::edit(pool, property, *room, edit).await?;
        }
        night = sunday;
    }

    // The Loft Suite is closed for a week of upkeep in three weeks' time.
    let (loft, _) = room_ids[6];
    let upkeep = window.today + Days::new(21);
    availability::edit(
        pool,
        property,
        loft,
        InventoryEdit {
            from: upkeep,
            to: upkeep + Days::new(7),
            total: None,
            price_cents: None,
            closed: Some(true),
        },
    )
    .await?;

    // The demo guest has two stays ahead.
    let who = Principal::session(guest.user.id, Role::Guest);
    for (room, from, nights, guests) in [(1, 3, 2, 2), (5, 10, 4, 4)] {
        let check_in = window.today + Days::new(from);
        let booking = NewBooking {
            room_id: room_ids[room].0,
            check_in,
            check_out: check_in + Days::new(nights),
            guests,
            units: 1,
        };
        bookings::create(pool, property, who, booking, None)
            .await
            .context("a demo booking")?;
    }
    Ok(accounts)
}

/// 20 random letters and digits: easy to copy, hard to guess.
fn random_password() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}
