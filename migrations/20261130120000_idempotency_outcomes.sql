-- An idempotency key now stores the booking use case's outcome (the booking,
-- or why it was refused) instead of an HTTP status and body, so a replay is
-- rendered like a fresh answer by whichever door it comes through.
--
-- Stored bookings carry over as they are. A stored refusal (an HTTP problem
-- document) is dropped: a retry with that key then runs the booking again,
-- which can only give the same refusal or, if nights freed up meanwhile,
-- a booking; never a second one.
update idempotency_keys
   set response = jsonb_build_object('booked', response)
 where status = 'completed' and response_status = 201;

delete from idempotency_keys
 where status = 'completed' and response_status is distinct from 201;

alter table idempotency_keys drop column response_status;
