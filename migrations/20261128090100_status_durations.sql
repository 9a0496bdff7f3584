-- How long items recently spent in each status, in working time: what ETAs are refined by.
-- Rewritten by a scheduled job; `scope` narrows the items measured ('all', 'machine:3',
-- 'material:5', 'machine:3/material:5').
create table status_durations (
  workflow text not null references workflows (key) on update cascade on delete cascade,
  status text not null,
  scope text not null check (scope ~ '^(all|machine:\d+|material:\d+|machine:\d+/material:\d+)$'),
  samples integer not null check (samples > 0),
  p50_ms bigint not null check (p50_ms >= 0),
  p85_ms bigint not null check (p85_ms >= p50_ms),
  refreshed_at timestamptz not null default now(),
  primary key (workflow, status, scope)
);
