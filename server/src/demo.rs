//! `--demo`: a small property for a first look, seeded through the same use
//! cases an admin and a guest would call: room types with descriptions,
//! photos, capacities and prices, dearer weekend nights, a few closed
//! nights, some bookings, and a demo admin and guest with random passwords.
//!
//! The photos are drawn here, in code (a room in its own colours: wall,
//! floor, window, bed; and its window's view), and uploaded as an admin
//! would: nothing is downloaded.
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
    availability, bookings, photos,
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

    seed_photos(pool, &room_ids).await?;

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

/// Two photos a room, through the upload's own path (decode, re-encode).
async fn seed_photos(pool: &PgPool, room_ids: &[(uuid::Uuid, i64)]) -> anyhow::Result<()> {
    let covers = photos::Covers::default();
    for (index, ((room, _), (name, ..))) in room_ids.iter().zip(ROOMS).enumerate() {
        for (view, alt) in [
            (
                RoomView::Bedroom,
                format!("{name}: the bed beside a bright window"),
            ),
            (
                RoomView::Window,
                format!("{name}: the view from the window"),
            ),
        ] {
            let upload = drawn_photo(index, view)?;
            photos::add(pool, &covers, *room, &alt, upload)
                .await
                .context("a demo photo")?;
        }
    }
    Ok(())
}

/// What a demo photo shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoomView {
    Bedroom,
    Window,
}

/// Width and height of the drawn photos (3:2, as a camera's).
const PHOTO_SIZE: (u32, u32) = (960, 640);

/// A JPEG of a room drawn in its own colours (`index` picks them).
#[expect(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "pixel coordinates and colour channels: small numbers, clamped"
)]
fn drawn_photo(index: usize, view: RoomView) -> anyhow::Result<Vec<u8>> {
    use image::{Rgb, RgbImage, codecs::jpeg::JpegEncoder};

    let (width, height) = PHOTO_SIZE;
    // Hues spread around the colour wheel, one per room.
    let hue = (index as f32 * 0.381_966).fract();
    let wall = hsl(hue, 0.35, 0.78);
    let wall_low = hsl(hue, 0.30, 0.66);
    let accent = hsl((hue + 0.5).fract(), 0.45, 0.45);
    let (window, bed) = match view {
        RoomView::Bedroom => ((0.58, 0.12, 0.88, 0.52), Some((0.08, 0.52, 0.56, 0.82))),
        RoomView::Window => ((0.15, 0.08, 0.85, 0.68), None),
    };
    let inside = |(x0, y0, x1, y1): (f32, f32, f32, f32), x: f32, y: f32| {
        x >= x0 && x < x1 && y >= y0 && y < y1
    };
    let image = RgbImage::from_fn(width, height, |px, py| {
        let (x, y) = (px as f32 / width as f32, py as f32 / height as f32);
        let (wx0, wy0, wx1, wy1) = window;
        let colour = if inside(window, x, y) {
            let frame = 0.012;
            if x - wx0 < frame
                || wx1 - x < frame
                || y - wy0 < frame
                || wy1 - y < frame
                || ((x - f32::midpoint(wx0, wx1)).abs() < frame / 2.0)
            {
                [245.0, 245.0, 240.0]
            } else {
                let sky = (y - wy0) / (wy1 - wy0);
                let sun = ((x - wx1 + 0.08).powi(2) + (y - wy0 - 0.1).powi(2)).sqrt();
                if sun < 0.045 {
                    [255.0, 236.0, 170.0]
                } else if sky > 0.75 {
                    // Hills in the distance.
                    lerp([90.0, 140.0, 90.0], [60.0, 110.0, 70.0], (sky - 0.75) * 4.0)
                } else {
                    lerp([110.0, 170.0, 230.0], [200.0, 225.0, 245.0], sky)
                }
            }
        } else if bed.is_some_and(|bed| inside(bed, x, y)) {
            let (bx0, by0, bx1, _) = bed.unwrap_or_default();
            if y < by0 + 0.08 && (x < bx0 + 0.14 || (x > bx0 + 0.17 && x < bx0 + 0.31)) {
                [250.0, 250.0, 250.0] // pillows
            } else if y < by0 + 0.12 || x > bx1 - 0.01 {
                lerp(accent, [40.0, 40.0, 40.0], 0.3) // headboard and side
            } else {
                lerp(
                    [245.0, 243.0, 238.0],
                    accent,
                    0.25 + 0.1 * ((x * 40.0).sin() + 1.0) / 2.0,
                )
            }
        } else if y > 0.78 {
            // Floorboards.
            let board = f32::from(u8::from(
                (x * 14.0 + (y * 9.0).floor() * 0.5).fract() < 0.03,
            ));
            lerp([176.0, 132.0, 92.0], [120.0, 86.0, 58.0], 0.2 + board * 0.6)
        } else {
            lerp(wall, wall_low, y / 0.78)
        };
        Rgb(colour.map(|c| c.clamp(0.0, 255.0) as u8))
    });
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&image)
        .context("drawing a demo photo")?;
    Ok(jpeg)
}

fn lerp(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    let t = t.clamp(0.0, 1.0);
    [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t)
}

/// An RGB colour (0-255) from hue, saturation and lightness (0-1).
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "the sextant of a hue in [0, 1)"
)]
fn hsl(hue: f32, saturation: f32, lightness: f32) -> [f32; 3] {
    let chroma = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let sextant = hue * 6.0;
    let second = chroma * (1.0 - (sextant % 2.0 - 1.0).abs());
    let (red, green, blue) = match sextant as u32 {
        0 => (chroma, second, 0.0),
        1 => (second, chroma, 0.0),
        2 => (0.0, chroma, second),
        3 => (0.0, second, chroma),
        4 => (second, 0.0, chroma),
        _ => (chroma, 0.0, second),
    };
    let lift = lightness - chroma / 2.0;
    [red, green, blue].map(|channel| (channel + lift) * 255.0)
}

/// 20 random letters and digits: easy to copy, hard to guess.
fn random_password() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}
