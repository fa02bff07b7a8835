-- Room photos (issue 11): what an admin uploads, decoded and re-encoded as
-- JPEG (which drops every bit of metadata) at a few widths, kept in
-- PostgreSQL so that every instance serves the same bytes.

-- One photo of a room: its alt text and its place in the room's order.
-- Positions are 0, 1, 2, ... per room; the unique constraint is checked at
-- commit, so a reorder may swap positions inside one transaction.
create table room_photos (
    id         uuid        primary key default gen_random_uuid(),
    room_id    uuid        not null,
    position   int4        not null,
    alt        text        not null,
    created_at timestamptz not null default now(),
    constraint room_photos_room_id_fkey foreign key (room_id) references rooms (id) on delete cascade,
    constraint room_photos_position_nonnegative check (position >= 0),
    constraint room_photos_alt_length check (char_length(alt) between 1 and 250),
    constraint room_photos_room_position_key unique (room_id, position) deferrable initially deferred
);

-- The stored images of a photo, one per width (never wider than the
-- upload). `etag` is a hash of `bytes`; a photo's images never change, so
-- they are served with a year-long, immutable cache lifetime.
create table room_photo_variants (
    photo_id     uuid  not null,
    width        int4  not null,
    height       int4  not null,
    content_type text  not null,
    etag         text  not null,
    bytes        bytea not null,
    constraint room_photo_variants_pkey primary key (photo_id, width),
    constraint room_photo_variants_photo_id_fkey foreign key (photo_id) references room_photos (id) on delete cascade,
    constraint room_photo_variants_size_positive check (width > 0 and height > 0),
    constraint room_photo_variants_content_type check (content_type in ('image/jpeg', 'image/webp'))
);
-- Large values are already compressed images: no point in compressing them again.
alter table room_photo_variants alter column bytes set storage external;
