-- The booking list at scale (admins: every booking, newest check-in first,
-- searched by guest name, e-mail or reference). Measured on a million
-- bookings of 50,000 guests (README, "Performance", booking lists): the
-- first page took 290 ms (a sort of every booking) and a search for one
-- guest's e-mail 520 ms (every booking read and its guest looked up).

-- The list's order, read from the top: a page is an index range, however
-- many bookings there are.
create index bookings_list_order_idx on bookings (check_in desc, created_at desc, id desc);

-- Parts of names and e-mail addresses (`ilike '%part%'`): the guests a
-- search names, without reading every guest. pg_trgm ships with
-- PostgreSQL and is a trusted extension: a database owner may create it.
create extension if not exists pg_trgm;
create index users_name_trgm_idx on users using gin (name gin_trgm_ops);
create index users_email_trgm_idx on users using gin ((email::text) gin_trgm_ops);

-- The start of a reference (`like 'RB-7K3%'`). References are written in
-- capitals (Crockford's alphabet), so a search upper-cases what was typed
-- and a plain `like` on this index finds them.
alter table bookings add constraint bookings_reference_upper check (reference = upper(reference));
create index bookings_reference_pattern_idx on bookings (reference text_pattern_ops);
