create table item_notes (
  id bigint generated always as identity primary key,
  line_item_id integer not null references line_items (id) on delete cascade,
  author_user_id integer not null references users (id),
  kiosk_id integer references kiosks (id) on delete set null,
  body text not null check (length(body) between 1 and 2000),
  created_at timestamptz not null default now()
);

create index item_notes_item_idx on item_notes (line_item_id, id);

-- Photos are re-encoded on upload (which also drops their location data) and kept in the
-- database, so a backup of the database is a backup of everything.
create table item_photos (
  id bigint generated always as identity primary key,
  line_item_id integer not null references line_items (id) on delete cascade,
  uploaded_by integer not null references users (id),
  kiosk_id integer references kiosks (id) on delete set null,
  width integer not null,
  height integer not null,
  image bytea not null,
  thumbnail bytea not null,
  created_at timestamptz not null default now()
);

create index item_photos_item_idx on item_photos (line_item_id, id);
