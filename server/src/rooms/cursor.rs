//! Opaque page cursors: the sort key and id of the last offer of a page.
//! Clients pass them back unchanged; a cursor from another sort order, or
//! one that does not decode, is a 422 on `cursor`.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use shared_schema::{
    FieldErrors,
    dto::RoomOffer,
    search::{MSG_CURSOR, SearchSort},
};
use uuid::Uuid;

use super::repo::After;

pub(super) fn encode(last: &RoomOffer, sort: SearchSort) -> String {
    let plain = match sort {
        SearchSort::PriceAsc | SearchSort::PriceDesc => {
            format!("p|{}|{}", last.id, last.total_cents)
        }
        SearchSort::Name => format!("n|{}|{}", last.id, last.name),
    };
    URL_SAFE_NO_PAD.encode(plain)
}

pub(super) fn decode(cursor: &str, sort: SearchSort) -> Result<After, FieldErrors> {
    let invalid = || {
        let mut errors = FieldErrors::default();
        errors.push("cursor", MSG_CURSOR);
        errors
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let plain = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = plain.splitn(3, '|');
    let (Some(kind), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let id: Uuid = id.parse().map_err(|_| invalid())?;
    match (kind, sort) {
        ("p", SearchSort::PriceAsc | SearchSort::PriceDesc) => {
            Ok(After::Price(key.parse().map_err(|_| invalid())?, id))
        }
        ("n", SearchSort::Name) => Ok(After::Name(key.to_owned(), id)),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(name: &str, total_cents: i64) -> RoomOffer {
        RoomOffer {
            id: Uuid::from_u128(7),
            name: name.to_owned(),
            description: String::new(),
            capacity: 2,
            currency: "EUR".to_owned(),
            nights: 1,
            nightly_from_cents: total_cents,
            total_cents,
            min_free: 1,
            cover: None,
        }
    }

    #[test]
    fn cursors_round_trip_for_each_order() {
        let last = offer("Suite | with a pipe", 12_345);
        let price = encode(&last, SearchSort::PriceAsc);
        assert_eq!(
            decode(&price, SearchSort::PriceDesc),
            Ok(After::Price(12_345, last.id))
        );
        let name = encode(&last, SearchSort::Name);
        assert_eq!(
            decode(&name, SearchSort::Name),
            Ok(After::Name("Suite | with a pipe".to_owned(), last.id))
        );
    }

    #[test]
    fn foreign_or_garbled_cursors_are_refused() {
        let name = encode(&offer("A", 1), SearchSort::Name);
        assert!(decode(&name, SearchSort::PriceAsc).is_err());
        assert!(decode("!!!", SearchSort::Name).is_err());
        assert!(
            decode(
                &URL_SAFE_NO_PAD.encode("p|not-a-uuid|5"),
                SearchSort::PriceAsc
            )
            .is_err()
        );
    }
}
