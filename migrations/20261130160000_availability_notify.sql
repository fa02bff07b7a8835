-- Every committed change to nights or rooms reaches each instance's
-- in-memory availability index (ADR 0012). Statement-level triggers with
-- transition tables cover every writer (bookings, cancellations, inventory
-- edits, room edits, horizon extension) without touching their SQL.
-- PostgreSQL delivers NOTIFY only on commit, in commit order. Payloads are
-- compact JSON naming what to re-read; past ~8,000 bytes (NOTIFY's limit)
-- a "reload all" marker is sent instead.
--   nights: {"n":[["<room id>","<first night>","<last night>"],...]}
--   rooms:  {"r":["<room id>",...]}
--   too big: {"all":true}

create function notify_availability_nights() returns trigger
language plpgsql as $$
declare
    payload text;
begin
    if tg_op = 'INSERT' then
        select string_agg(format('["%s","%s","%s"]', room_id, lo, hi), ',')
          into payload
          from (select room_id, min(night) as lo, max(night) as hi
                  from new_rows group by room_id) changed;
    elsif tg_op = 'UPDATE' then
        select string_agg(format('["%s","%s","%s"]', room_id, lo, hi), ',')
          into payload
          from (select room_id, min(night) as lo, max(night) as hi
                  from (select room_id, night from new_rows
                        union all
                        select room_id, night from old_rows) touched
                 group by room_id) changed;
    else
        select string_agg(format('["%s","%s","%s"]', room_id, lo, hi), ',')
          into payload
          from (select room_id, min(night) as lo, max(night) as hi
                  from old_rows group by room_id) changed;
    end if;
    if payload is null then
        return null;
    end if;
    payload := '{"n":[' || payload || ']}';
    if octet_length(payload) > 7900 then
        payload := '{"all":true}';
    end if;
    perform pg_notify('availability', payload);
    return null;
end
$$;

create trigger room_availability_notify_insert
    after insert on room_availability
    referencing new table as new_rows
    for each statement execute function notify_availability_nights();
create trigger room_availability_notify_update
    after update on room_availability
    referencing old table as old_rows new table as new_rows
    for each statement execute function notify_availability_nights();
create trigger room_availability_notify_delete
    after delete on room_availability
    referencing old table as old_rows
    for each statement execute function notify_availability_nights();

create function notify_availability_rooms() returns trigger
language plpgsql as $$
declare
    payload text;
begin
    if tg_op = 'DELETE' then
        select string_agg(format('"%s"', id), ',') into payload from old_rows;
    else
        select string_agg(format('"%s"', id), ',') into payload from new_rows;
    end if;
    if payload is null then
        return null;
    end if;
    payload := '{"r":[' || payload || ']}';
    if octet_length(payload) > 7900 then
        payload := '{"all":true}';
    end if;
    perform pg_notify('availability', payload);
    return null;
end
$$;

create trigger rooms_notify_insert
    after insert on rooms
    referencing new table as new_rows
    for each statement execute function notify_availability_rooms();
create trigger rooms_notify_update
    after update on rooms
    referencing new table as new_rows
    for each statement execute function notify_availability_rooms();
create trigger rooms_notify_delete
    after delete on rooms
    referencing old table as old_rows
    for each statement execute function notify_availability_rooms();
