-- A batch groups line items across orders under a name ("Spring menu boards 2027").
create table batches (
  id bigint generated always as identity primary key,
  name text not null check (length(name) between 1 and 120),
  notes text not null default '' check (length(notes) <= 2000),
  created_by integer references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create unique index batches_name_key on batches (lower(name));

create table batch_items (
  batch_id bigint not null references batches (id) on delete cascade,
  line_item_id bigint not null references line_items (id) on delete cascade,
  added_at timestamptz not null default now(),
  primary key (batch_id, line_item_id)
);
create index batch_items_line_item_idx on batch_items (line_item_id);
