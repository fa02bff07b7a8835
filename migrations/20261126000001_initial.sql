-- The whole data model of ARCHITECTURE.md.
--
-- Every constraint is named so the server can turn a violation into a clear
-- 409/422 (`on_constraint`) instead of a 500. The CHECKs are the last line
-- of defence: even a bug in a use case cannot oversell a night or store a
-- stay that ends before it starts.

create extension if not exists citext;

create table users (
    id            uuid        primary key default gen_random_uuid(),
    email         citext      not null,
    name          text        not null,
    password_hash text        not null,
    role          text        not null default 'guest',
    created_at    timestamptz not null default now(),
    constraint users_email_key unique (email),
    constraint users_role_valid check (role in ('guest', 'admin')),
    constraint users_name_length check (char_length(name) between 1 and 100)
);

-- One opaque token serves browsers (HttpOnly cookie) and API clients
-- (Authorization: Bearer). Only its SHA-256 is stored.
create table sessions (
    token_hash bytea       primary key,
    user_id    uuid        not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    constraint sessions_user_id_fkey foreign key (user_id) references users (id) on delete cascade,
    constraint sessions_expiry_after_creation check (expires_at > created_at)
);
create index sessions_user_id_idx on sessions (user_id);
create index sessions_expires_at_idx on sessions (expires_at);

-- A room type: `total_inventory` identical units at a base price per night.
create table rooms (
    id              uuid        primary key default gen_random_uuid(),
    name            text        not null,
    description     text        not null default '',
    capacity        int4        not null,
    price_cents     int8        not null,
    currency        text        not null,
    total_inventory int4        not null,
    active          boolean     not null default true,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    constraint rooms_name_length check (char_length(name) between 1 and 100),
    constraint rooms_capacity_range check (capacity between 1 and 20),
    constraint rooms_price_positive check (price_cents > 0),
    constraint rooms_currency_code check (currency ~ '^[A-Z]{3}$'),
    constraint rooms_inventory_non_negative check (total_inventory >= 0)
);

-- Pre-calculated inventory per room and night for a rolling horizon.
-- Bookings lock these rows (select ... for update, in night order).
create table room_availability (
    room_id     uuid    not null,
    night       date    not null,
    total       int4    not null,
    booked      int4    not null default 0,
    price_cents int8    not null,
    closed      boolean not null default false,
    constraint room_availability_pkey primary key (room_id, night),
    constraint room_availability_room_id_fkey foreign key (room_id) references rooms (id) on delete cascade,
    constraint room_availability_booked_within_total check (booked >= 0 and booked <= total),
    constraint room_availability_price_positive check (price_cents > 0)
);
-- Search scans a date range across all rooms; the covering columns let it
-- answer from the index alone.
create index room_availability_night_idx
    on room_availability (night, room_id) include (total, booked, price_cents, closed);

create table bookings (
    id              uuid        primary key default gen_random_uuid(),
    reference       text        not null,
    user_id         uuid        not null,
    room_id         uuid        not null,
    check_in        date        not null,
    check_out       date        not null,
    guests          int4        not null,
    units           int4        not null,
    total_cents     int8        not null,
    currency        text        not null,
    status          text        not null default 'confirmed',
    idempotency_key text,
    created_at      timestamptz not null default now(),
    cancelled_at    timestamptz,
    constraint bookings_reference_key unique (reference),
    constraint bookings_user_id_fkey foreign key (user_id) references users (id),
    constraint bookings_room_id_fkey foreign key (room_id) references rooms (id),
    constraint bookings_check_out_after_check_in check (check_out > check_in),
    constraint bookings_guests_positive check (guests >= 1),
    constraint bookings_units_positive check (units >= 1),
    constraint bookings_total_non_negative check (total_cents >= 0),
    constraint bookings_status_valid check (status in ('confirmed', 'cancelled')),
    constraint bookings_cancelled_at_matches_status
        check ((status = 'cancelled') = (cancelled_at is not null))
);
create index bookings_user_id_check_in_idx on bookings (user_id, check_in);
create index bookings_room_id_check_in_idx on bookings (room_id, check_in);

-- Stripe-style idempotency for booking creation: a retry with the same key
-- and body gets the stored response; kept at least 24 hours.
create table idempotency_keys (
    user_id         uuid        not null,
    key             text        not null,
    request_hash    bytea       not null,
    status          text        not null default 'in_progress',
    response_status int4,
    response        jsonb,
    created_at      timestamptz not null default now(),
    constraint idempotency_keys_pkey primary key (user_id, key),
    constraint idempotency_keys_user_id_fkey foreign key (user_id) references users (id) on delete cascade,
    constraint idempotency_keys_status_valid check (status in ('in_progress', 'completed')),
    constraint idempotency_keys_key_length check (char_length(key) between 1 and 255)
);
