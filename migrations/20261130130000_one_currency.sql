-- One currency per property (the `--currency` setting). Prices in two
-- currencies cannot be sorted or filtered together, and converting them
-- would invent prices: rooms priced in anything but the most common
-- currency are hidden (inactive), keeping their bookings, until an admin
-- re-prices them in the property's currency. The server refuses to start
-- while an active room is in another currency than its setting.
update rooms
   set active = false
 where currency <> (select currency
                      from rooms
                     group by currency
                     order by count(*) desc, currency
                     limit 1);
