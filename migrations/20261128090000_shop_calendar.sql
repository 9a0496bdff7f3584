-- The shop calendar: expected durations, lateness and ETAs count working time only.
alter table shop_settings
  add column work_days smallint[] not null default '{1,2,3,4,5}'
    check (cardinality(work_days) between 1 and 7 and work_days <@ '{1,2,3,4,5,6,7}'::smallint[]),
  add column work_day_starts_minute integer not null default 480,
  add column work_day_ends_minute integer not null default 1020,
  add constraint shop_settings_working_day_check
    check (work_day_starts_minute >= 0 and work_day_ends_minute <= 1440 and work_day_starts_minute < work_day_ends_minute);

create table shop_holidays (
  day date primary key,
  name text not null check (length(name) between 1 and 100)
);
