-- The session id itself is never stored: only its SHA-256, so a leaked table opens no session.
create table sessions (
  id_hash text primary key,
  data jsonb not null,
  user_id integer references users (id) on delete cascade,
  expires_at timestamptz not null,
  updated_at timestamptz not null default now()
);

create index sessions_expires_at_idx on sessions (expires_at);
create index sessions_user_id_idx on sessions (user_id);
