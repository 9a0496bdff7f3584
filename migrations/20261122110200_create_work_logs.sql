-- Time worked on an item, per employee: a row per stretch of work, open while it runs.
create table work_logs (
  id bigint generated always as identity primary key,
  line_item_id integer not null references line_items (id) on delete cascade,
  user_id integer not null references users (id),
  kiosk_id integer references kiosks (id) on delete set null,
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  check (ended_at is null or ended_at >= started_at)
);

create unique index work_logs_one_open_per_person on work_logs (line_item_id, user_id) where ended_at is null;
create index work_logs_item_idx on work_logs (line_item_id);

alter table line_items add column expected_work_minutes integer check (expected_work_minutes > 0);
