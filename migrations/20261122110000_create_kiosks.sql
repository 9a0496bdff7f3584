-- A kiosk is a station on the shop floor (some machines and/or queues); tablets enrol into it.
create table kiosks (
  id integer generated always as identity primary key,
  name text not null check (length(name) between 1 and 60),
  queue_keys text[] not null default '{}',
  machine_ids integer[] not null default '{}',
  idle_seconds integer not null default 90 check (idle_seconds between 15 and 900),
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create unique index kiosks_name_key on kiosks (lower(name));

-- One-time enrolment: a short code to type on the tablet, or a link to open (e.g. from a QR
-- code on the admin's screen). Only hashes are stored.
create table kiosk_enrolments (
  id integer generated always as identity primary key,
  kiosk_id integer not null references kiosks (id) on delete cascade,
  code_hash text not null unique,
  link_hash text not null unique,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_by integer references users (id),
  created_at timestamptz not null default now()
);

-- An enrolled tablet: its long-lived credential (hashed), and who is signed in on it right now.
create table kiosk_devices (
  id integer generated always as identity primary key,
  kiosk_id integer not null references kiosks (id) on delete cascade,
  credential_hash text not null unique,
  label text not null,
  enrolled_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  revoked_at timestamptz,
  revoked_by integer references users (id),
  operator_user_id integer references users (id),
  operator_until timestamptz
);

create index kiosk_devices_kiosk_idx on kiosk_devices (kiosk_id);
