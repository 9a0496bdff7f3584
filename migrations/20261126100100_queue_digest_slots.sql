-- A digest is keyed on its slot (the shop's hour or day), not on when it happened to be sent.
-- The hour of the last send is a slot both digests can compare against: a person sent at 10:05
-- is due again in the 11:00 slot (hourly) or the next shop day (daily).
alter table users rename column queue_digest_sent_at to queue_digest_slot;
update users set queue_digest_slot = date_trunc('hour', queue_digest_slot) where queue_digest_slot is not null;
