-- Status changes waiting to be told to the customer; several items of one order changing
-- within the shop's batching window go out as one email.
create table customer_updates (
  id bigint generated always as identity primary key,
  order_id integer not null references orders (id) on delete cascade,
  line_item_id integer not null references line_items (id) on delete cascade,
  status text not null references workflow_statuses (key),
  created_at timestamptz not null default now()
);
create index customer_updates_order_idx on customer_updates (order_id, created_at);

-- In-app alerts, e.g. "collect payment" for the order's salesperson.
create table alerts (
  id bigint generated always as identity primary key,
  user_id integer not null references users (id) on delete cascade,
  kind text not null,
  order_id integer references orders (id) on delete cascade,
  line_item_id integer references line_items (id) on delete cascade,
  message text not null,
  created_at timestamptz not null default now(),
  read_at timestamptz
);
create index alerts_unread_idx on alerts (user_id, id) where read_at is null;
create index alerts_user_idx on alerts (user_id, id);
