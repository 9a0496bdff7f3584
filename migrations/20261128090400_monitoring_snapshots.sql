-- The monitoring dashboard's numbers, recounted by a scheduled job (every 30 s) so the page
-- reads one row however large the shop.
create table monitoring_snapshots (
  workflow text primary key references workflows (key) on update cascade on delete cascade,
  taken_at timestamptz not null,
  data jsonb not null
);
