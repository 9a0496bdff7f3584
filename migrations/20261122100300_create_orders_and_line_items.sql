create extension if not exists pg_trgm;

create sequence order_number_seq start 1001;

create table orders (
  id integer generated always as identity primary key,
  number integer not null unique default nextval('order_number_seq'),
  customer_id integer not null references customers (id),
  salesperson_id integer references users (id),
  due_date date,
  notes text not null default '',
  total numeric(12, 2) not null default 0,
  item_count integer not null default 0,
  customer_emails_muted boolean not null default false,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index orders_customer_idx on orders (customer_id);
create index orders_salesperson_idx on orders (salesperson_id);

-- One row per product sold. Each moves through the workflow on its own.
create table line_items (
  id integer generated always as identity primary key,
  order_id integer not null references orders (id) on delete cascade,
  position integer not null check (position > 0),
  description text not null,
  quantity integer not null check (quantity > 0),
  unit_price numeric(12, 2) not null default 0 check (unit_price >= 0),
  machine_id integer references machines (id),
  material_id integer references materials (id),
  fulfillment_method text not null check (fulfillment_method in ('pickup', 'installation', 'delivery', 'shipping')),
  due_date date,
  assignee_id integer references users (id),
  notes text not null default '',
  status text not null references workflow_statuses (key),
  status_entered_at timestamptz not null default now(),
  held_from_status text references workflow_statuses (key),
  hold_reason text,
  carrier text,
  tracking text,
  completed_at timestamptz,
  -- Copied from the order so queue filters and sorts need no join.
  order_number integer not null,
  customer_id integer not null references customers (id),
  -- Lower-cased "order number, customer name, description" for the queue's free-text filter.
  search_text text not null,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (order_id, position)
);

-- Every queue page is "these statuses, maybe one more filter, sorted, 50 rows after a key".
create index line_items_queue_due_idx on line_items (status, due_date, id);
create index line_items_queue_age_idx on line_items (status, status_entered_at, id);
create index line_items_queue_order_idx on line_items (status, order_number, position);
create index line_items_queue_machine_idx on line_items (status, machine_id, due_date, id);
create index line_items_queue_material_idx on line_items (status, material_id, due_date, id);
create index line_items_queue_assignee_idx on line_items (status, assignee_id, due_date, id);
create index line_items_queue_customer_idx on line_items (status, customer_id, due_date, id);
create index line_items_search_idx on line_items using gin (search_text gin_trgm_ops);
