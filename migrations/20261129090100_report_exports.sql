-- Reports too big to stream while the person waits are made in the background: the file is kept
-- in chunks here (any app instance can serve it, and it survives a restart), removed when it expires.
create table report_exports (
  id bigint generated always as identity primary key,
  requested_by integer not null references users (id) on delete cascade,
  report text not null check (report in ('items', 'timeline', 'summary')),
  format text not null check (format in ('csv', 'xlsx')),
  scope jsonb not null,
  title text not null,
  file_name text not null,
  status text not null default 'queued' check (status in ('queued', 'running', 'ready', 'failed')),
  rows_expected integer not null default 0,
  rows_done integer not null default 0,
  bytes bigint not null default 0,
  attempts integer not null default 0,
  locked_until timestamptz,
  error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  expires_at timestamptz not null
);
create index report_exports_due_idx on report_exports (id) where status in ('queued', 'running');
create index report_exports_requester_idx on report_exports (requested_by, id);
create index report_exports_expiry_idx on report_exports (expires_at);

create table report_export_chunks (
  export_id bigint not null references report_exports (id) on delete cascade,
  seq integer not null,
  data bytea not null,
  primary key (export_id, seq)
);
-- The chunks are already compressed (XLSX) or read once: no point compressing them again.
alter table report_export_chunks alter column data set storage external;

-- A timeline over a period reads the events of that period: a block range index is tiny on an
-- append-only table whose rows arrive in time order.
create index events_occurred_brin on events using brin (occurred_at);
