-- A user owns a queue through their roles (queues.owner_roles) unless they opted out here,
-- or owns it without the role if they opted in.
create table queue_subscriptions (
  user_id integer not null references users (id) on delete cascade,
  queue_key text not null references queues (key) on delete cascade,
  subscribed boolean not null,
  primary key (user_id, queue_key)
);

create table queue_visits (
  user_id integer not null references users (id) on delete cascade,
  queue_key text not null references queues (key) on delete cascade,
  last_seen_at timestamptz not null,
  primary key (user_id, queue_key)
);

create table saved_views (
  id integer generated always as identity primary key,
  user_id integer not null references users (id) on delete cascade,
  queue_key text not null references queues (key) on delete cascade,
  name text not null,
  query text not null,
  created_at timestamptz not null default now()
);
create unique index saved_views_name_key on saved_views (user_id, queue_key, lower(name));
