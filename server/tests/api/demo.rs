//! `--demo`: a first look at a working property, only ever into an empty
//! database.

use sqlx::PgPool;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_demo_fills_an_empty_database_and_refuses_a_second_time(pool: PgPool) {
    let config = server::Config::default_for_tests();
    let property = server::property::Property::from_config(&config);
    let sessions = server::auth::SessionSettings::from_config(&config);

    let accounts = server::demo::seed(&pool, &property, sessions)
        .await
        .expect("demo seeded");

    let (rooms, bookings, closed): (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from rooms where active),
                (select count(*) from bookings where status = 'confirmed'),
                (select count(*) from room_availability where closed)",
    )
    .fetch_one(&pool)
    .await
    .expect("counts");
    assert!((8..=12).contains(&rooms), "{rooms} rooms");
    let (photos, rooms_with_photos, distinct_images): (i64, i64, i64) = sqlx::query_as(
        "select count(*), count(distinct room_id),
                (select count(distinct etag) from room_photo_variants where width = 320)
           from room_photos",
    )
    .fetch_one(&pool)
    .await
    .expect("photo counts");
    assert_eq!(rooms_with_photos, rooms, "every room has photos");
    assert_eq!(photos, rooms * 2);
    assert_eq!(distinct_images, photos, "each photo drawn differently");
    assert_eq!(bookings, 2);
    assert_eq!(closed, 7);
    let dearer_weekends: bool = sqlx::query_scalar(
        "select bool_and(a.price_cents > r.price_cents) from room_availability a
           join rooms r on r.id = a.room_id where extract(isodow from a.night) in (5, 6)",
    )
    .fetch_one(&pool)
    .await
    .expect("weekend prices");
    assert!(dearer_weekends);
    assert_ne!(accounts.admin.1, accounts.guest.1);
    assert!(accounts.admin.1.len() >= 12);

    let again = server::demo::seed(&pool, &property, sessions).await;
    assert!(again.is_err(), "a database with data is never seeded");
}
