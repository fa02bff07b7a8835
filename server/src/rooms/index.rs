//! Search answered from the availability index, with exactly the SQL
//! query's semantics (`repo::search`): the same filters, totals, order,
//! tie-breaks and keyset pages. Names sort by bytes, as the SQL's
//! `collate "C"` does.

use std::{cmp::Ordering, sync::Arc};

use shared_schema::{
    dto::RoomOffer,
    search::{RoomSearch, SearchOptions, SearchSort},
};

use super::repo::After;
use crate::availability::AvailabilityIndex;

/// At most `limit` offers after `after`; `None` when the index is stale.
pub(super) fn search(
    index: &AvailabilityIndex,
    search: &RoomSearch,
    options: &SearchOptions,
    after: Option<&After>,
    limit: i64,
) -> Option<Vec<RoomOffer>> {
    let nights = search.nights();
    let units = i64::from(search.units);
    let guests = i64::from(search.guests);
    let sort = options.sort;
    let mut offers = index.quotes(search.check_in, search.check_out, |quote| {
        if i64::from(quote.capacity) * units < guests || i64::from(quote.min_free) < units {
            return None;
        }
        // The price bounds are on the average night of one unit.
        let one_unit = i128::from(quote.one_unit_cents);
        if let Some(min) = options.min_price
            && one_unit < i128::from(min) * i128::from(nights)
        {
            return None;
        }
        if let Some(max) = options.max_price
            && one_unit > i128::from(max) * i128::from(nights)
        {
            return None;
        }
        let total_cents = quote.one_unit_cents.saturating_mul(units);
        let past_start = match (after, sort) {
            (None, _) => true,
            (Some(After::Price(price, id)), SearchSort::PriceAsc) => {
                (total_cents, quote.id) > (*price, *id)
            }
            (Some(After::Price(price, id)), SearchSort::PriceDesc) => {
                total_cents < *price || (total_cents == *price && quote.id > *id)
            }
            (Some(After::Name(name, id)), _) => (&**quote.name, quote.id) > (name.as_str(), *id),
            // A price cursor on a name search: SQL compares with null and
            // keeps nothing (the cursor decoder refuses one anyway).
            (Some(After::Price(..)), SearchSort::Name) => false,
        };
        past_start.then(|| Candidate {
            id: quote.id,
            name: Arc::clone(quote.name),
            description: Arc::clone(quote.description),
            capacity: quote.capacity,
            currency: Arc::clone(quote.currency),
            nightly_from_cents: quote.nightly_from_cents,
            total_cents,
            min_free: quote.min_free,
        })
    })?;
    let order = |a: &Candidate, b: &Candidate| -> Ordering {
        match sort {
            SearchSort::PriceAsc => (a.total_cents, a.id).cmp(&(b.total_cents, b.id)),
            SearchSort::PriceDesc => b
                .total_cents
                .cmp(&a.total_cents)
                .then_with(|| a.id.cmp(&b.id)),
            // `str` compares bytes, as PostgreSQL's "C" collation does.
            SearchSort::Name => (&*a.name, a.id).cmp(&(&*b.name, b.id)),
        }
    };
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if offers.len() > limit {
        offers.select_nth_unstable_by(limit, order);
        offers.truncate(limit);
    }
    offers.sort_unstable_by(order);
    // Text is copied for the page's offers only.
    let nights = i32::try_from(nights).unwrap_or(i32::MAX);
    Some(
        offers
            .into_iter()
            .map(|offer| RoomOffer {
                id: offer.id,
                name: offer.name.to_string(),
                description: offer.description.to_string(),
                capacity: offer.capacity,
                currency: offer.currency.to_string(),
                nights,
                nightly_from_cents: offer.nightly_from_cents,
                total_cents: offer.total_cents,
                min_free: offer.min_free,
                cover: None,
            })
            .collect(),
    )
}

/// An offer before its page is chosen: text shared with the index.
struct Candidate {
    id: uuid::Uuid,
    name: Arc<str>,
    description: Arc<str>,
    capacity: i32,
    currency: Arc<str>,
    nightly_from_cents: i64,
    total_cents: i64,
    min_free: i32,
}
