//! The booking transaction as the server ran it before `book_stay` (ADR
//! 0007): five statements from the client, the nights' row locks held from
//! the second to the commit. Kept here, outside the server, as the baseline
//! the one-round-trip booking is measured against (issue 12: "above the
//! five-statement raw transaction's figure").
//!
//! Same SQL, same order and same checks as the old `bookings::book`:
//! begin, read the room, lock the nights in night order, check them, add
//! the units, insert the booking, commit.

use chrono::NaiveDate;
use rand::{Rng, thread_rng};
use shared_schema::booking::NewBooking;
use sqlx::PgPool;
use uuid::Uuid;

/// How one five-statement booking ended.
#[derive(Debug)]
pub enum Booked {
    Yes,
    /// Sold out, closed, missing nights, or not enough capacity.
    Refused,
}

/// One booking, five statements and a commit.
pub async fn book(pool: &PgPool, user_id: Uuid, new: &NewBooking) -> anyhow::Result<Booked> {
    let mut tx = pool.begin().await?;
    let room: Option<(i32, String, bool)> =
        sqlx::query_as("select capacity, currency, active from rooms where id = $1")
            .bind(new.room_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((capacity, currency, true)) = room else {
        return Ok(Booked::Refused);
    };
    if i64::from(capacity) * i64::from(new.units) < i64::from(new.guests) {
        return Ok(Booked::Refused);
    }
    let nights: Vec<(NaiveDate, i32, i64, bool)> = sqlx::query_as(
        "select night, total - booked as free, price_cents, closed
           from room_availability
          where room_id = $1 and night >= $2 and night < $3
          order by night
            for update",
    )
    .bind(new.room_id)
    .bind(new.check_in)
    .bind(new.check_out)
    .fetch_all(&mut *tx)
    .await?;
    let stay_nights = (new.check_out - new.check_in).num_days();
    let all_free = nights
        .iter()
        .all(|(_, free, _, closed)| !closed && *free >= new.units);
    if i64::try_from(nights.len())? != stay_nights || !all_free {
        return Ok(Booked::Refused);
    }
    sqlx::query(
        "update room_availability
            set booked = booked + $4
          where room_id = $1 and night >= $2 and night < $3",
    )
    .bind(new.room_id)
    .bind(new.check_in)
    .bind(new.check_out)
    .bind(new.units)
    .execute(&mut *tx)
    .await?;
    let total_cents: i64 =
        nights.iter().map(|(_, _, price, _)| price).sum::<i64>() * i64::from(new.units);
    sqlx::query(
        "insert into bookings (reference, user_id, room_id, check_in, check_out,
                               guests, units, total_cents, currency)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(reference())
    .bind(user_id)
    .bind(new.room_id)
    .bind(new.check_in)
    .bind(new.check_out)
    .bind(new.guests)
    .bind(new.units)
    .bind(total_cents)
    .bind(currency)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Booked::Yes)
}

/// A reference shaped like the server's (`RB-` and 8 characters).
fn reference() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut rng = thread_rng();
    let mut reference = String::from("RB-");
    reference.extend((0..8).map(|_| char::from(ALPHABET[rng.gen_range(0..32)])));
    reference
}
