-- Booking and cancellation in one round trip each (ADR 0011).
--
-- The booking transaction used to be five statements from the server
-- (read the room, lock the nights, update `booked`, insert the booking,
-- commit), so the hot night's row lock was held for five round trips. These
-- functions do the same work inside PostgreSQL: called as one statement
-- outside an explicit transaction, the lock is taken and released within a
-- single round trip, and a statement either applies all of a stay or none.
--
-- The decisions stay where they were: a refusal is an `outcome` row, never
-- an exception, and the server words the answer (404, 422, 409 with the
-- nights). Locking is unchanged: nights in night order (`for update`), so
-- overlapping stays queue instead of deadlocking, and the CHECK
-- `room_availability_booked_within_total` remains the last line of defence.

-- Books `[p_check_in, p_check_out)` of a room for a user.
--
-- `outcome` is one of
--   'not_found'    no such room, or it is inactive;
--   'capacity'     `room_capacity` x units sleeps fewer than the guests (the
--                  rule of shared_schema::stay::check_capacity; the server
--                  words the message from `room_capacity`);
--   'sold_out'     `unavailable` lists the nights of the stay that are
--                  missing, closed or without `p_units` free units;
--   'no_reference' every reference in `p_references` is taken (nothing was
--                  changed; the server draws them, see bookings/reference.rs);
--   'booked'       `booking` is the new row: `booked` grew on every night.
create function book_stay(
    p_user_id uuid,
    p_room_id uuid,
    p_check_in date,
    p_check_out date,
    p_guests int4,
    p_units int4,
    p_references text[],
    p_idempotency_key text
) returns table (outcome text, room_capacity int4, unavailable date[], booking bookings)
language plpgsql
-- Exactly one row: without this the planner expects 1,000 and joins the
-- caller's `rooms` and `users` by hashing the whole tables.
rows 1
as $$
declare
    v_capacity int4;
    v_currency text;
    v_active boolean;
    v_night record;
    v_expected date := p_check_in;
    v_unavailable date[] := '{}';
    v_nightly_sum int8 := 0;
    v_reference text;
    v_booking bookings;
begin
    select r.capacity, r.currency, r.active
      into v_capacity, v_currency, v_active
      from rooms r
     where r.id = p_room_id;
    if not found or not v_active then
        return query select 'not_found'::text, null::int4, null::date[], null::bookings;
        return;
    end if;
    if v_capacity::int8 * p_units < p_guests then
        return query select 'capacity'::text, v_capacity, null::date[], null::bookings;
        return;
    end if;

    for v_night in
        select a.night, a.total - a.booked as free, a.price_cents, a.closed
          from room_availability a
         where a.room_id = p_room_id and a.night >= p_check_in and a.night < p_check_out
         order by a.night
           for update
    loop
        -- Nights absent from the inventory are unavailable too.
        while v_expected < v_night.night loop
            v_unavailable := v_unavailable || v_expected;
            v_expected := v_expected + 1;
        end loop;
        if v_night.closed or v_night.free < p_units then
            v_unavailable := v_unavailable || v_night.night;
        end if;
        -- int8 arithmetic: a stay too dear for 64 bits is an error (500),
        -- never a wrapped total.
        v_nightly_sum := v_nightly_sum + v_night.price_cents;
        v_expected := v_night.night + 1;
    end loop;
    while v_expected < p_check_out loop
        v_unavailable := v_unavailable || v_expected;
        v_expected := v_expected + 1;
    end loop;
    if cardinality(v_unavailable) > 0 then
        return query select 'sold_out'::text, null::int4, v_unavailable, null::bookings;
        return;
    end if;

    -- The insert before the update: when every reference is taken, nothing
    -- has changed yet.
    foreach v_reference in array p_references loop
        insert into bookings as b (reference, user_id, room_id, check_in, check_out,
                                   guests, units, total_cents, currency, idempotency_key)
        values (v_reference, p_user_id, p_room_id, p_check_in, p_check_out,
                p_guests, p_units, v_nightly_sum * p_units, v_currency, p_idempotency_key)
        on conflict on constraint bookings_reference_key do nothing
        returning b.* into v_booking;
        exit when found;
    end loop;
    if v_booking.id is null then
        return query select 'no_reference'::text, null::int4, null::date[], null::bookings;
        return;
    end if;

    update room_availability a
       set booked = a.booked + p_units
     where a.room_id = p_room_id and a.night >= p_check_in and a.night < p_check_out;
    return query select 'booked'::text, null::int4, null::date[], v_booking;
end;
$$;

-- Cancels a booking and gives its units back, exactly once: the booking
-- row is locked first, so of two racing cancellations the second sees the
-- first one's result and changes nothing; then the nights, in night order,
-- as a booking locks them.
--
-- `p_owner` is the caller's user id, or null for an admin (any owner);
-- `p_started_by` is the caller's "today", or null for an admin (who may
-- cancel a stay that has started).
--
-- `outcome` is one of
--   'not_found'        no such booking for this caller;
--   'already_started'  check-in is on or before `p_started_by`;
--   'unchanged'        it was already cancelled: `booking` as it is;
--   'cancelled'        `booking` is the cancelled row, units given back.
create function cancel_booking(
    p_booking_id uuid,
    p_owner uuid,
    p_started_by date
) returns table (outcome text, booking bookings)
language plpgsql
rows 1
as $$
declare
    v_booking bookings;
begin
    select b.* into v_booking
      from bookings b
     where b.id = p_booking_id and (p_owner is null or b.user_id = p_owner)
       for update;
    if not found then
        return query select 'not_found'::text, null::bookings;
        return;
    end if;
    if v_booking.status = 'cancelled' then
        return query select 'unchanged'::text, v_booking;
        return;
    end if;
    if p_started_by is not null and v_booking.check_in <= p_started_by then
        return query select 'already_started'::text, null::bookings;
        return;
    end if;

    perform 1
       from room_availability a
      where a.room_id = v_booking.room_id
        and a.night >= v_booking.check_in and a.night < v_booking.check_out
      order by a.night
        for update;
    update room_availability a
       set booked = a.booked - v_booking.units
     where a.room_id = v_booking.room_id
       and a.night >= v_booking.check_in and a.night < v_booking.check_out;
    update bookings b
       set status = 'cancelled', cancelled_at = now()
     where b.id = p_booking_id
    returning b.* into v_booking;
    return query select 'cancelled'::text, v_booking;
end;
$$;
