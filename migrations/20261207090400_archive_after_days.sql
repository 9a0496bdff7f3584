-- Completed orders move to the archive this many days after completion (0: never), by a
-- scheduled job: read-only, out of the everyday order list, still found by search.
alter table shop_settings add column archive_after_days integer not null default 30 check (archive_after_days between 0 and 3650);
