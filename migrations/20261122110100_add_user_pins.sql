-- Shop-floor PINs (argon2 hashes), with the count of wrong tries since the last good one.
alter table users
  add column pin_hash text,
  add column pin_failures integer not null default 0,
  add column pin_locked_until timestamptz;
