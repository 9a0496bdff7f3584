-- Files attached to orders and their items: one shared module that jobs, tickets and messages
-- will reuse. A document keeps every version (a new upload never replaces the old bytes); who
-- may see it is per document: the shop's staff only, installers too, or the customer too.
create table documents (
  id integer generated always as identity primary key,
  owner_type text not null check (owner_type in ('order', 'line_item')),
  owner_id integer not null,
  title text not null check (length(title) between 1 and 200),
  kind text not null default 'upload' check (kind in ('upload', 'work-sheet', 'price-sheet', 'invoice')),
  visibility text not null default 'internal' check (visibility in ('internal', 'installers', 'customer')),
  latest_version integer not null default 1,
  -- Bumped by every change to the document (a version, its visibility): what a form was opened on.
  version integer not null default 1,
  frozen_at timestamptz,
  created_by integer references users (id),
  created_at timestamptz not null default now()
);
create index documents_owner_idx on documents (owner_type, owner_id);

create table document_versions (
  id integer generated always as identity primary key,
  document_id integer not null references documents (id) on delete cascade,
  version integer not null,
  file_name text not null check (length(file_name) between 1 and 255),
  content_type text not null,
  size integer not null check (size > 0),
  sha256 text not null,
  content bytea not null,
  uploaded_by integer references users (id),
  uploaded_at timestamptz not null default now(),
  unique (document_id, version)
);
